"""The fan-out's printed lines and markdown table, with each figure's ratio against the Node peer."""

import math
import os

from bench.lib.fanout_run import Result
from bench.lib.report import table
from bench.lib.stats import fmt_ms

PEERS = ("node", "node-cluster")


def print_result(r: Result) -> None:
    """Print the figures of one run."""
    print(
        f"  {r.target} N={r.n}: {r.connected} connected, {r.posted} changes, latency p50 {fmt_ms(r.p50)} ms "
        f"p99 {fmt_ms(r.p99)} ms max {fmt_ms(r.max)} ms; received {r.received}/{r.n * r.k}, lost {r.lost}, "
        f"dup {r.duplicates}, out-of-order {r.out_of_order}",
        flush=True,
    )
    print(
        f"    synced {r.synced}, still connected {r.still_connected}, disconnects {r.disconnects}; POST round "
        f"trip p50 {fmt_ms(r.post_rtt_p50)} ms max {fmt_ms(r.post_rtt_max)} ms",
        flush=True,
    )
    if r.per_change_p50:
        print(f"    per change p50 (ms): {' '.join(fmt_ms(v) for v in r.per_change_p50)}", flush=True)
    if not math.isnan(r.window):
        print(
            f"    CPU s in the {r.window:.1f} s window ({os.cpu_count()} CPUs): server {r.server_cpu:.1f}, "
            f"client workers {r.clients_cpu:.1f}, coordinator {r.own_cpu:.1f}, rest of the machine "
            f"{r.others_cpu:.1f}",
            flush=True,
        )
    print(f"    server after connecting: {r.server}", flush=True)
    for label, value in (("connect errors", r.connect_errors), ("client library log", r.client_logs)):
        if value:
            print(f"    {label}: {dict(list(value.items())[:5])}", flush=True)
    if r.post_errors:
        print(f"    POST errors: {r.post_errors[:5]}", flush=True)
    print(f"    server log: {r.log_problem_count} problem line(s)", flush=True)
    for line in r.log_problem_lines:
        print(f"      {line[:200]}", flush=True)
    for note in r.notes:
        print(f"    note: {note}", flush=True)


def _ratio(value: float, peer: float) -> str:
    if math.isnan(value) or math.isnan(peer) or peer == 0:
        return "-"
    return f"{value / peer:.2f}x"


def _cpu(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def _cpu_each(r: Result) -> float:
    return r.server_cpu / r.received if r.received else math.nan


def _per_delivery(r: Result) -> str:
    return "-" if math.isnan(r.server_cpu) or not r.received else f"{r.server_cpu / r.received * 1e6:.0f}"


def _peer_of(r: Result, results: list[Result]) -> Result | None:
    if r.target in PEERS:
        return None
    wanted = "node-cluster" if r.target == "target" else "node"
    return next((p for p in results if p.target == wanted and p.n == r.n), None) or next(
        (p for p in results if p.target in PEERS and p.n == r.n), None
    )


def markdown(results: list[Result]) -> str:
    """Return the markdown table of every run, with p99 and CPU as ratios to the peer at the same N."""
    head = [
        "server", "N", "connected", "connect s", "p50 ms", "p99 ms", "max ms", "p99 vs peer", "received / expected",
        "lost", "dup", "out-of-order", "CPU s server", "server CPU µs / delivery", "server CPU / delivery vs peer", "CPU s load generators", "CPU s others",
        "server fds", "server RSS MiB",
    ]  # fmt: skip
    rows = []
    for r in results:
        peer = _peer_of(r, results)
        rows.append([
            r.target, r.n, r.connected, "-" if math.isnan(r.connect_wall) else f"{r.connect_wall:.1f}",
            fmt_ms(r.p50), fmt_ms(r.p99), fmt_ms(r.max), _ratio(r.p99, peer.p99) if peer else "",
            f"{r.received} / {r.n * r.k}", r.lost, r.duplicates, r.out_of_order, _cpu(r.server_cpu),
            _per_delivery(r), _ratio(_cpu_each(r), _cpu_each(peer)) if peer else "", _cpu(r.clients_cpu), _cpu(r.others_cpu),
            r.server.get("fds_all", "-"), r.server.get("rss_all_mib", "-"),
        ])  # fmt: skip
    return table(head, rows)
