"""Reconnect storm: N clients drop at once while K changes are made, then reconnect with `since`.

For each target (Venue Live's serve.py, and with --node-peer the Node socket.io peer, which replays
from an in-memory log the same way), it connects N Node clients (bench/fanout-client.mjs, --workers
processes), closes them all at once, posts K changes as fast as one staff connection can, then
reconnects every client with auth {since: the last seq it had} (at most --rejoin-concurrency connects in
flight per worker). It reports the time from the start of the reconnect until every client is current
(has the last seq, or got a snapshot), the p50/p99 of each client's catch-up time, how many deliveries
were missing when the wait ended (--timeout; any seq after a client's first `since` it had not got:
lost, if every client was current by then), the server's CPU seconds and its memory
before and at the peak, and the load generators' CPU. It prints a table, writes a PNG of the share of
clients current over time to bench/results/, and with --readme appends both to bench/README.md.

    .venv/bin/python bench/reconnect_storm.py --clients 2000 --changes 200 --node-peer --readme
"""

import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import guard, plots, profile, report, workers
from bench.lib.api import ChangePoster, Http
from bench.lib.procstats import cpu_of, rss_of
from bench.lib.stats import percentile
from bench.lib.targets import node_peer_ready, open_target


class PeakMemory(threading.Thread):
    """Sample the resident memory of some processes every 0.1 s and keep the highest total."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak, self.running = pids, rss_of(pids), True

    def run(self) -> None:
        """Sample until stopped."""
        while self.running:
            self.peak = max(self.peak, rss_of(self.pids))
            time.sleep(0.1)


def post_all(poster: ChangePoster, k: int) -> tuple[int, float]:
    """Post k changes back to back; return the last seq and the seconds it took."""
    t0, last = time.monotonic(), 0
    for i in range(k):
        _sent, change = poster.post(i)
        if not isinstance(change, dict):
            raise RuntimeError(f"change {i} failed: {change}")
        last = change["seq"]
    return last, time.monotonic() - t0


def summarize(row: dict, rejoined: dict, since: int, head: int) -> list[float]:
    """Fill row with catch-up and loss figures from the workers' 'rejoined' messages; return catch-up times."""
    messages = [m for m in rejoined.values() if m]
    start = min((m["start"] for m in messages), default=0.0)
    wanted = set(range(since + 1, head + 1))
    catch_up, lost, dup, current = [], 0, 0, 0
    for message in messages:
        for at, seqs in zip(message["current_at"], message["seqs"], strict=True):
            dup += len(seqs) - len(set(seqs))
            if at is not None:
                current += 1
                catch_up.append(at - start)
            lost += len(wanted - set(seqs)) if message["snapshots"] == 0 else 0
    catch_up.sort()
    row.update(current=current, lost=lost, dup=dup, snapshots=sum(m["snapshots"] for m in messages))
    row.update(all_current=catch_up[-1] if current == row["n"] else float("nan"))
    row.update(p50=percentile(catch_up, 50), p99=percentile(catch_up, 99))
    row["errors"] = {k: v for m in messages for k, v in m["errors"].items()}
    return catch_up


def storm(target, load: workers.Workers, args, row: dict, since: int) -> list[float]:
    """Drop every client, post the changes, reconnect them all; return each client's catch-up time."""
    workers.send_all(load.conns, {"kind": "drop"})
    workers.recv_all(load.conns, "dropped", 60)
    head, row["posting_s"] = post_all(ChangePoster(Http(target.url), target.token), args.changes)
    peak = PeakMemory(target.pids)
    row["rss_before"] = peak.peak
    server_before, clients_before = cpu_of(target.pids), cpu_of(load.pids)
    peak.start()
    spy = None
    if args.profile and target.name in ("venue", "target") and target.pids:
        spy = profile.start(
            target.pids[0], args.profile, SimpleNamespace(target="storm", n=row["n"], notes=[])
        )
    message = {
        "kind": "rejoin",
        "target": head,
        "timeout": args.timeout,
        "concurrency": args.rejoin_concurrency,
    }
    workers.send_all(load.conns, message)
    rejoined = workers.recv_all(load.conns, "rejoined", args.timeout + 60)
    peak.running = False
    if spy:
        profile.stop(spy)
    row.update(server_cpu=cpu_of(target.pids) - server_before, clients_cpu=cpu_of(load.pids) - clients_before)
    row["rss_peak"] = peak.peak
    return summarize(row, rejoined, since, head)


def measure(kind: str, args) -> tuple[dict, list[float]]:
    """Run the storm against a fresh target of kind; return its row and catch-up times."""
    row: dict = {"target": kind, "n": args.clients, "k": args.changes}
    opts = {"connect_concurrency": 16, "connect_timeout": 60, "connect_phase_timeout": 240,
            "hold_timeout": 600, "teardown_timeout": 30, "deflate": False}  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix=f"vl-storm-{kind}-"))
    with open_target(kind, workdir, args.target, args.token) as target:
        since = Http(target.url).head_seq()
        load = workers.start("node", target.url, args.clients, since, opts, workdir, args.workers)
        try:
            connected = workers.recv_all(load.conns, "connected", 300)
            row["connected"] = sum(m["ok"] for m in connected.values() if m)
            print(f"  {kind}: {row['connected']}/{args.clients} connected; dropping them all", flush=True)
            times = storm(target, load, args, row, since)
        finally:
            workers.stop(load)
    return row, times


def fmt(value: float, scale: float = 1.0, digits: int = 2) -> str:
    """Format a number, '-' for nan."""
    return "-" if value != value else f"{value * scale:.{digits}f}"


def _versus(row: dict, peer: dict | None):
    """Return a function giving row's figure as a ratio to the peer's ('' for the peer itself)."""

    def ratio(key: str) -> str:
        if not peer or row is peer or not peer[key] or peer[key] != peer[key]:
            return ""
        if row[key] != row[key]:
            return "-"
        return fmt(row[key] / peer[key]) + "x"

    return ratio


def table(rows: list[dict]) -> str:
    """Return the markdown table of every target's storm, with ratios to the Node peer."""
    peer = next((r for r in rows if r["target"] == "node"), None)
    head = ["server", "N", "connected", "changes", "posting s", "all current s", "vs peer", "catch-up p50 s",
            "catch-up p99 s", "current", "missing deliveries when the wait ended", "dup", "snapshots", "server CPU s", "vs peer",
            "server RSS MiB before / peak", "load generators CPU s"]  # fmt: skip
    lines = []
    for r in rows:
        vs = _versus(r, peer)
        lines.append([r["target"], r["n"], r["connected"], r["k"], fmt(r["posting_s"]), fmt(r["all_current"]),
                      vs("all_current"), fmt(r["p50"]), fmt(r["p99"]), r["current"], r["lost"], r["dup"],
                      r["snapshots"], fmt(r["server_cpu"], digits=1), vs("server_cpu"),
                      f"{r['rss_before']:.0f} / {r['rss_peak']:.0f}", fmt(r["clients_cpu"], digits=1)])  # fmt: skip
    return report.table(head, lines)


def main() -> int:
    """Run the storm against each target and print (and optionally append) the table and picture."""
    parser = report.parser(__doc__)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rejoin-concurrency", type=int, default=100, help="reconnects in flight per worker")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for every client to catch up"
    )
    parser.add_argument("--node-peer", action="store_true", help="also run the storm against the Node peer")
    parser.add_argument("--target", help="URL of an already running Venue Live instead of a fresh serve.py")
    parser.add_argument("--token", help="staff bearer token for --target")
    parser.add_argument(
        "--profile", metavar="DIR", help="py-spy record the Venue Live server during the catch-up"
    )
    args = report.parse_args(parser, max_seconds=900.0)
    load_before, timer = guard.begin(args.max_seconds)
    kinds = ["url" if args.target else "venue"] + (
        ["node"] if args.node_peer and not node_peer_ready() else []
    )
    rows, series = [], {}
    for kind in kinds:
        row, times = measure(kind, args)
        rows.append(row)
        series[f"{row['target']} N={row['n']}"] = times
    timer.cancel()
    total = {f"{r['target']} N={r['n']}": r["n"] for r in rows}
    picture = plots.catch_up(
        series, total, f"Catch-up after {args.changes} changes missed", "reconnect_storm.png"
    )
    body = (f"{args.clients} clients, {args.changes} changes, at most {args.rejoin_concurrency} reconnects in flight per "
            f"load-generator process ({args.workers} Node processes).\n\n{table(rows)}\n\n"
            f"![catch-up over time](results/{picture.name})")  # fmt: skip
    report.append("reconnect_storm", body, load_before, write=args.readme)
    return 0 if all(r["lost"] == 0 and r["current"] == r["n"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
