"""Fan-out of staff changes to many Socket.IO clients: connect time, delivery latency and losses.

For each N in --clients it starts a fresh server (serve.py on gevent, a temporary SQLite database, a staff
account and bearer token made with the CLI beforehand; tests/servers.py starts it as the tests do),
connects N clients (websocket transport, auth {since: current seq}) spread over --workers processes,
then POSTs --changes room_status changes to /api/changes --interval seconds apart (alternating
full/open). Every client records its receive time; the latency of a delivery is that time minus the
time just before its POST (one machine, so one clock).

Load generators: --client node (default; bench/fanout-client.mjs with the project's socket.io-client, one
Node process per worker, its open-file limit raised) or --client python (python-socketio AsyncClients).

Peers, measured under the same load in the same run:
  --node-peer     bench/node-peer.mjs, a plain Node socket.io 4 server (one process, no database)
  --node-cluster  3 node-peer processes with socket.io's Redis adapter (a throw-away redis-server) behind
                  a temporary nginx (round-robin, websocket upgrade), the peer of a 3-process cluster
Targets:
  --target URL    an already running Venue Live (for example the cluster of `make cluster`) instead of a
                  fresh serve.py; --token (or BENCH_TOKEN) is a staff bearer token
                  (`flask --app webapp staff token NAME`); --target-pids lets it report the servers' CPU.
  --no-venue      measure the peers only.

Per run it reports connected clients and connect time, p50/p99/max latency over every (client, change)
pair, losses, duplicates, out-of-order deliveries, the CPU of the server, of the load generators and of
the rest of the machine from the first POST until every client had every change (or --grace ran out),
the server's descriptors and memory, and problems in its log. A markdown table (with p99 and CPU as
ratios to the peer at the same N) closes the output, --readme appends it to bench/README.md, and a PNG
of the latency distributions goes to bench/results/. --profile DIR records the Venue Live server with
py-spy during the fan-out. Exit status: 0 when every client connected and got every change, 1
otherwise, 2 when it cannot run, 3 when --max-seconds stopped it.

Everything is on 127.0.0.1; the servers share the machine (and its cores) with the load generators.
    .venv/bin/python bench/fanout.py --clients 2000 5000 --changes 20 --workers 4 --node-peer --readme
    .venv/bin/python bench/fanout.py --target http://127.0.0.1:8080 --token T --clients 10000 --node-cluster
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import fanout_report, guard, plots, report
from bench.lib.fanout_run import Result, measure
from bench.lib.nodeclients import node_client_ready
from bench.lib.procstats import load_average, raise_nofile
from bench.lib.targets import node_peer_ready


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = report.parser(__doc__)
    add = parser.add_argument
    add("--clients", type=int, nargs="+", default=[2000, 5000], help="values of N")
    add("--changes", type=int, default=20, help="changes posted per N (K)")
    add("--interval", type=float, default=0.3, help="seconds between changes")
    add("--workers", type=int, default=4, help="load-generator processes")
    add("--client", choices=("node", "python"), default="node", help="load generator")
    add("--node-deflate", action="store_true", help="Node clients offer permessage-deflate as browsers do")
    add("--connect-concurrency", type=int, default=16, help="connects in flight per worker")
    add("--connect-timeout", type=float, default=60.0, help="seconds for one client")
    add("--connect-phase-timeout", type=float, default=240.0, help="seconds to connect all")
    add("--settle", type=float, default=1.0, help="seconds between connecting and posting")
    add("--grace", type=float, default=15.0, help="seconds to wait for late deliveries")
    add("--max-seconds", type=float, default=1500.0, help="stop everything after this")
    add("--node-peer", action="store_true", help="also measure bench/node-peer.mjs (one process)")
    add("--node-cluster", action="store_true", help="also measure 3 node peers + Redis adapter behind nginx")
    add("--target", help="URL of an already running Venue Live to measure instead of a fresh serve.py")
    add("--token", default=os.environ.get("BENCH_TOKEN"), help="staff bearer token for --target")
    add("--target-pids", type=int, nargs="*", default=[], help="pids of the --target servers (for CPU)")
    add("--no-venue", action="store_true", help="measure only the peers")
    add("--profile", metavar="DIR", help="py-spy record the Venue Live server during the fan-out into DIR")
    add(
        "--profile-connect",
        metavar="DIR",
        help="py-spy record the Venue Live server while the clients connect into DIR, and print its CPU per connect",
    )
    add("--readme", action="store_true", help="append the results to bench/README.md")
    args = parser.parse_args()
    if args.changes < 1 or args.workers < 1 or any(n < 1 for n in args.clients):
        parser.error("--changes, --workers and every --clients value must be at least 1")
    if args.target and not args.token:
        parser.error("--target needs --token (or BENCH_TOKEN): a staff bearer token")
    return args


def kinds(args) -> list[str]:
    """Return the targets to measure, in order (ours first, so the peers can copy a real change)."""
    chosen = [] if args.no_venue else ["url" if args.target else "venue"]
    for flag, kind in ((args.node_peer, "node"), (args.node_cluster, "node-cluster")):
        if flag:
            why = node_peer_ready()
            if why:
                print(f"{kind} skipped: {why}", flush=True)
            else:
                chosen.append(kind)
    return chosen


def run_all(args, started: float) -> list[Result]:
    """Measure every target at every N (bounded by --max-seconds)."""
    results: list[Result] = []
    template = None
    chosen = kinds(args)
    for n in args.clients:  # every target at one N before the next N: the machine's load falls on all alike
        for kind in chosen:
            if time.monotonic() - started > args.max_seconds - 60:
                print(f"  {kind} N={n}: skipped, too little of --max-seconds left", flush=True)
                continue
            print(f"{kind} N={n} ...", flush=True)
            result, template = measure(kind, n, args, template)
            fanout_report.print_result(result)
            results.append(result)
    return results


def main() -> int:
    """Run the fan-out benchmark and print (and optionally append to the README) its table."""
    args = parse_args()
    why = node_client_ready() if args.client == "node" else None
    if why:
        print(f"--client node cannot run: {why}", file=sys.stderr)
        return 2
    soft, hard = raise_nofile()
    load_before, started = load_average(), time.monotonic()
    timer = guard.start_watchdog(args.max_seconds)
    print(
        f"fan-out: N={args.clients}, K={args.changes}, {args.workers} {args.client} workers, nofile {soft}/{hard}"
    )
    try:
        results = run_all(args, started)
    finally:
        timer.cancel()
    picture = plots.latency_cdf(
        {f"{r.target} N={r.n}": r.latencies for r in results},
        "Delivery latency of a staff change",
        f"fanout-{'-'.join(map(str, args.clients))}.png",
    )
    body = (
        f"{args.changes} changes {args.interval * 1000:.0f} ms apart, {args.workers} {args.client} load-generator "
        f"processes. Latency = client receive time minus the time just before the POST.\n\n"
        f"{fanout_report.markdown(results)}\n\n![latency distribution](results/{picture.name})"
    )
    report.append("fanout", body, load_before, write=args.readme)
    complete = all(r.connected == r.n and r.received == r.n * r.k for r in results)
    return 0 if complete and results else 1


if __name__ == "__main__":
    sys.exit(main())
