"""Resident memory per idle connected client: the server's RSS with 0 clients and with N idle ones.

For each target (Venue Live's serve.py, and with --node-peer the Node socket.io peer) and each N in
--clients, it starts a fresh server, reads its RSS and open descriptors after start-up and one request,
connects N Node clients (bench/fanout-client.mjs over --workers processes, websocket only; with
--node-deflate they offer permessage-deflate, as browsers and the official client do), waits
--settle seconds with them idle, reads RSS and descriptors again, and reports (RSS at N - RSS at 0) / N
in KiB per client and the descriptors per client, with our figure as a ratio to the peer's.

    .venv/bin/python bench/memory.py --clients 1000 5000 --node-peer --readme
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import guard, plots, report, workers
from bench.lib.api import Http
from bench.lib.procstats import proc_stats
from bench.lib.targets import node_peer_ready, open_target

OPTS = {"connect_concurrency": 16, "connect_timeout": 60, "connect_phase_timeout": 240, "hold_timeout": 300,
        "teardown_timeout": 30, "deflate": False}  # fmt: skip


def measure(kind: str, n: int, args) -> dict:
    """Return the memory and descriptor figures of a fresh target of kind with 0 and n idle clients."""
    workdir = Path(tempfile.mkdtemp(prefix=f"vl-memory-{kind}-{n}-"))
    with open_target(kind, workdir) as target:
        since = Http(target.url).head_seq()
        idle = proc_stats(target.pids[0])
        opts = {**OPTS, "deflate": args.node_deflate}
        load = workers.start("node", target.url, n, since, opts, workdir, args.workers)
        try:
            connected = workers.recv_all(load.conns, "connected", 300)
            time.sleep(args.settle)
            busy = proc_stats(target.pids[0])
        finally:
            workers.stop(load)
    ok = sum(m["ok"] for m in connected.values() if m)
    row = {"target": kind, "n": n, "connected": ok, "rss0": idle["rss_mib"], "rss": busy["rss_mib"]}
    row.update(fds0=idle["fds"], fds=busy["fds"])
    row["kib_per_client"] = (row["rss"] - row["rss0"]) * 1024 / ok if ok else float("nan")
    row["fds_per_client"] = (row["fds"] - row["fds0"]) / ok if ok else float("nan")
    print(f"  {kind} N={n}: {row}", flush=True)
    return row


def table(rows: list[dict]) -> str:
    """Return the markdown table, with KiB per client as a ratio to the peer's at the same N."""
    peers = {r["n"]: r for r in rows if r["target"] == "node"}
    head = ["server", "N", "connected", "RSS MiB at 0", "RSS MiB at N", "KiB per client", "vs peer",
            "fds at 0", "fds at N", "fds per client"]  # fmt: skip
    lines = []
    for r in rows:
        peer = peers.get(r["n"])
        vs = f"{r['kib_per_client'] / peer['kib_per_client']:.2f}x" if peer and peer is not r else ""
        lines.append([r["target"], r["n"], r["connected"], f"{r['rss0']:.0f}", f"{r['rss']:.0f}",
                      f"{r['kib_per_client']:.1f}", vs, r["fds0"], r["fds"], f"{r['fds_per_client']:.2f}"])  # fmt: skip
    return report.table(head, lines)


def main() -> int:
    """Measure every target at every N and print (and optionally append) the table."""
    parser = report.parser(__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds idle before reading memory")
    parser.add_argument("--node-peer", action="store_true", help="also measure the Node peer")
    parser.add_argument(
        "--node-deflate", action="store_true", help="the clients offer permessage-deflate as browsers do"
    )
    args = report.parse_args(parser, max_seconds=900.0)
    load_before, timer = guard.begin(args.max_seconds)
    kinds = ["venue"] + (["node"] if args.node_peer and not node_peer_ready() else [])
    rows = [measure(kind, n, args) for kind in kinds for n in args.clients]
    timer.cancel()
    picture = plots.bars(
        [f"N={n}" for n in args.clients],
        {kind: [r["kib_per_client"] for r in rows if r["target"] == kind] for kind in kinds},
        "KiB of server RSS per idle client",
        "Memory per idle connected client",
        "memory.png",
    )
    body = f"{table(rows)}\n\n![memory per client](results/{picture.name})"
    report.append("memory", body, load_before, write=args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
