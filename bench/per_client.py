"""What one idle websocket client costs inside the server: greenlets, and Python allocations by line.

It starts serve.py with a SIGUSR1 handler (`--serve`: this file runs serve.py's main; the first
signal starts tracemalloc), reads the greenlet count and a tracemalloc snapshot with 0 clients, connects N Node
clients (bench/fanout-client.mjs, websocket only, idle), waits --settle seconds, reads them again and
prints per client: greenlets, traced bytes, and the lines that allocated the most of it (--top). RSS is
inflated by tracemalloc itself here: bench/memory.py gives the RSS per client.

    .venv/bin/python bench/per_client.py --clients 1000
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def serve() -> int:
    """Run serve.py under tracemalloc; on SIGUSR1 write the greenlet count and the snapshot's top lines."""
    from gevent import monkey

    monkey.patch_all()
    import gc
    import signal
    import tracemalloc

    import gevent
    import greenlet

    out = Path(os.environ["PER_CLIENT_OUT"])
    state: dict = {}

    def dump() -> None:
        gc.collect()
        greenlets = [g for g in gc.get_objects() if isinstance(g, greenlet.greenlet) and not g.dead]
        kinds: dict[str, int] = {}
        for g in greenlets:
            run = getattr(g, "_run", None) or getattr(g, "run", None)
            name = getattr(run, "__qualname__", type(g).__name__)
            kinds[name] = kinds.get(name, 0) + 1
        if "snapshot" not in state:  # tracing starts here: what is allocated from now on
            tracemalloc.start(int(os.environ.get("PER_CLIENT_FRAMES", "1")))
            snapshot = tracemalloc.take_snapshot()
            state.update(snapshot=snapshot, greenlets=len(greenlets), kinds=kinds)
            out.write_text(json.dumps({"greenlets": len(greenlets)}))
            return
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<unknown>")]
        )
        stats = snapshot.compare_to(
            state["snapshot"], "traceback" if tracemalloc.get_traceback_limit() > 1 else "lineno"
        )
        lines = [
            {"where": " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in s.traceback), "bytes": s.size_diff, "count": s.count_diff}
            for s in stats[:200]
        ]  # fmt: skip
        total = sum(s.size_diff for s in stats)
        more = {k: v - state["kinds"].get(k, 0) for k, v in kinds.items() if v != state["kinds"].get(k, 0)}
        out.write_text(
            json.dumps({"greenlets": len(greenlets) - state["greenlets"], "kinds": more, "bytes": total, "lines": lines})
        )  # fmt: skip

    gevent.signal_handler(signal.SIGUSR1, lambda: gevent.spawn(dump))
    sys.argv = ["serve.py"]
    import serve as served

    return served.main()


def main() -> int:
    """Start the traced server, connect N idle clients, print what each costs."""
    from bench.lib import guard, report, workers
    from bench.lib.api import Http
    from bench.lib.targets import STAFF_NAME, STAFF_PASSWORD
    from tests.servers import make_staff_token, server_env, serving

    parser = report.parser(__doc__)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--deflate", action="store_true", help="the clients offer permessage-deflate")
    parser.add_argument("--frames", type=int, default=1, help="traceback depth of each allocation")
    args = report.parse_args(parser, max_seconds=600.0)
    _load, timer = guard.begin(args.max_seconds)
    workdir = Path(tempfile.mkdtemp(prefix="vl-per-client-"))
    out = workdir / "dump.json"
    env = server_env(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", PER_CLIENT_OUT=str(out))
    env["PER_CLIENT_FRAMES"] = str(args.frames)
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    make_staff_token(env, STAFF_NAME, STAFF_PASSWORD)

    def read(pid: int) -> dict:
        out.unlink(missing_ok=True)
        os.kill(pid, 10)  # SIGUSR1
        deadline = time.monotonic() + 120
        while not out.exists() or not out.read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("the server wrote no dump")
            time.sleep(0.2)
        time.sleep(0.2)
        return json.loads(out.read_text())

    with serving([sys.executable, __file__, "--serve"], workdir, env) as served:
        guard.track(served.proc.pid)
        since = Http(served.url).head_seq()
        time.sleep(1)
        read(served.proc.pid)
        opts = {"connect_concurrency": 16, "connect_timeout": 60, "connect_phase_timeout": 240,
                "hold_timeout": 300, "teardown_timeout": 30, "deflate": args.deflate}  # fmt: skip
        load = workers.start("node", served.url, args.clients, since, opts, workdir, args.workers)
        try:
            connected = workers.recv_all(load.conns, "connected", 300)
            time.sleep(args.settle)
            after = read(served.proc.pid)
        finally:
            workers.stop(load)
        guard.untrack(served.proc.pid)
    timer.cancel()
    n = sum(m["ok"] for m in connected.values() if m)
    print(f"{n} clients connected")
    print(f"greenlets per client: {after['greenlets'] / n:.2f} ({after['kinds']})")
    print(f"traced bytes per client: {after['bytes'] / n:.0f}")
    for line in after["lines"][: args.top]:
        print(f"  {line['bytes'] / n:8.0f} B {line['count'] / n:6.2f} blocks  {line['where']}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(serve())
    sys.exit(main())
