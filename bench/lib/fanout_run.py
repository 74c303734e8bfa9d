"""One fan-out measurement: connect N clients to a target, post K changes, collect every delivery."""

import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.lib import profile, workers
from bench.lib.api import ChangePoster, Http
from bench.lib.procstats import cpu_of, log_problems, machine_cpu, proc_stats, rss_of
from bench.lib.stats import Deliveries, percentile
from bench.lib.targets import Target, open_target


@dataclass
class Result:
    """Everything one fan-out run of one target at one N measured."""

    target: str
    n: int
    k: int
    connected: int = 0
    connect_wall: float = math.nan
    connect_p50: float = math.nan
    connect_p99: float = math.nan
    connect_errors: dict = field(default_factory=dict)
    posted: int = 0
    post_errors: list = field(default_factory=list)
    post_rtt_p50: float = math.nan
    post_rtt_max: float = math.nan
    p50: float = math.nan
    p99: float = math.nan
    max: float = math.nan
    received: int = 0
    lost: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    synced: int = 0
    still_connected: int = 0
    disconnects: dict = field(default_factory=dict)
    client_logs: dict = field(default_factory=dict)
    per_change_p50: list = field(default_factory=list)
    per_change_max: list = field(default_factory=list)
    window: float = math.nan
    server_cpu: float = math.nan
    clients_cpu: float = math.nan
    own_cpu: float = math.nan
    machine_busy: float = math.nan
    server: dict = field(default_factory=dict)
    log_problem_count: int = 0
    log_problem_lines: list = field(default_factory=list)
    latencies: list = field(default_factory=list, repr=False)
    notes: list = field(default_factory=list)

    @property
    def others_cpu(self) -> float:
        """Return the CPU seconds the rest of the machine used during the window."""
        return self.machine_busy - self.server_cpu - self.clients_cpu - self.own_cpu


def worker_opts(args) -> dict:
    """Return the options every load-generator process gets."""
    return {
        "connect_concurrency": args.connect_concurrency,
        "connect_timeout": args.connect_timeout,
        "connect_phase_timeout": args.connect_phase_timeout,
        "hold_timeout": args.connect_phase_timeout + args.changes * (args.interval + 15) + 120,
        "teardown_timeout": 30,
        "deflate": args.node_deflate,
    }


def note_connected(result: Result, connected: dict, parts: int, target: Target) -> None:
    """Fill in the connect figures of result from the workers' 'connected' messages."""
    durations: list[float] = []
    errors: Counter = Counter()
    messages = [m for m in connected.values() if m]
    for message in messages:
        result.connected += message["ok"]
        durations += message["durations"]
        errors.update(message["errors"])
    clients = sorted({m["client"] for m in messages if m.get("client")})
    if clients:
        result.notes.append(f"clients: {', '.join(clients)}")
    result.notes += workers.nofile_notes(connected)
    if len(messages) < parts:
        result.notes.append(f"{parts - len(messages)} worker(s) never reported their connections")
    durations.sort()
    result.connect_p50, result.connect_p99 = percentile(durations, 50), percentile(durations, 99)
    if messages:
        result.connect_wall = max(m["end"] for m in messages) - min(m["start"] for m in messages)
    result.connect_errors = dict(errors.most_common(5))
    result.server = proc_stats(target.pids[0]) if target.pids else {}
    server_fds = sum(proc_stats(pid).get("fds", 0) for pid in target.pids)
    result.server.update(fds_all=server_fds, rss_all_mib=round(rss_of(target.pids), 1))


def post_changes(result: Result, poster: ChangePoster, args) -> dict[int, float]:
    """Post args.changes changes args.interval apart; return {seq: time just before its POST}."""
    posts: dict[int, float] = {}
    t0 = time.monotonic()
    deadline = t0 + args.changes * (args.interval + 15)
    last = None
    for i in range(args.changes):
        delay = t0 + i * args.interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() > deadline:
            result.post_errors.append(f"posting took too long; stopped after {i} changes")
            break
        sent, change = poster.post(i)
        if not isinstance(change, dict):
            result.post_errors.append(f"change {i}: {change}")
            continue
        posts[change["seq"]] = sent
        last = change
    result.posted = len(posts)
    rtts = sorted(poster.rtts)
    result.post_rtt_p50, result.post_rtt_max = percentile(rtts, 50), (rtts[-1] if rtts else math.nan)
    poster.template = poster.template or (last if result.target in ("venue", "target") else None)
    return posts


def add_results(result: Result, collected: dict, posts: dict[int, float]) -> None:
    """Fill in the delivery figures of result from the workers' 'results' messages."""
    deliveries = Deliveries()
    for message in filter(None, collected.values()):
        result.synced += message["synced"]
        if message["synced_wrong"]:
            result.notes.append(f"{message['synced_wrong']} client(s) got a 'synced' seq other than the head")
        result.still_connected += message["still_connected"]
        for name in ("disconnects", "client_logs"):
            counts = Counter(getattr(result, name))
            counts.update(message[name])
            setattr(result, name, dict(counts))
        for seq_list, time_list in zip(message["seqs"], message["times"], strict=True):
            deliveries.add_client(seq_list, time_list, posts)
    result.received, result.duplicates, result.out_of_order = (
        deliveries.received,
        deliveries.duplicates,
        deliveries.out_of_order,
    )
    for key, value in deliveries.summary().items():
        setattr(result, key, value)
    result.latencies = sorted(deliveries.latencies)
    result.lost = result.n * result.k - result.received
    if result.posted < result.k:
        result.notes.append(f"only {result.posted}/{result.k} changes were accepted")


def fan_out(result: Result, target: Target, load: workers.Workers, poster: ChangePoster, args) -> None:
    """Post the changes to the connected clients and collect what they received, with CPU figures."""
    time.sleep(args.settle)
    server_before, clients_before = cpu_of(target.pids), cpu_of(load.pids)
    own_before, machine_before, wall_before = time.process_time(), machine_cpu()[0], time.monotonic()
    profiler = (
        profile.start(target.pids[0], args.profile, result)
        if args.profile and target.name in ("venue", "target") and target.pids
        else None
    )
    posts = post_changes(result, poster, args)
    workers.send_all(load.conns, {"kind": "collect", "seqs": sorted(posts), "grace": args.grace})
    collected = workers.recv_all(load.conns, "results", args.grace + 60)
    if profiler:
        profile.stop(profiler)
    result.window = time.monotonic() - wall_before
    result.server_cpu = cpu_of(target.pids) - server_before
    result.clients_cpu = cpu_of(load.pids) - clients_before
    result.own_cpu = time.process_time() - own_before
    result.machine_busy = machine_cpu()[0] - machine_before
    add_results(result, collected, posts)


def measure(kind: str, n: int, args, poster_template: dict | None) -> tuple[Result, dict | None]:
    """Start a target of kind, connect n clients, post the changes, collect; always stop everything."""
    result = Result(kind if kind != "url" else "target", n, args.changes)
    workdir = Path(tempfile.mkdtemp(prefix=f"vl-fanout-{kind}-{n}-"))
    try:
        with open_target(kind, workdir, args.target, args.token, args.target_pids) as target:
            http = Http(target.url)
            poster = ChangePoster(
                http, target.token, poster_template if kind not in ("venue", "url") else None
            )
            profile_connect = getattr(args, "profile_connect", None)
            profiler = (
                profile.start(target.pids[0], str(Path(profile_connect) / "connect"), result)
                if profile_connect and target.name in ("venue", "target") and target.pids
                else None
            )
            cpu_before = cpu_of(target.pids) if profiler else 0.0
            load = workers.start(
                args.client, target.url, n, http.head_seq(), worker_opts(args), workdir, args.workers
            )
            try:
                connected = workers.recv_all(load.conns, "connected", args.connect_phase_timeout + 60)
                if profiler:
                    profile.stop(profiler)
                    cpu = cpu_of(target.pids) - cpu_before
                    result.notes.append(
                        f"server CPU while connecting: {cpu:.2f} s, {1e3 * cpu / max(n, 1):.2f} ms per client"
                    )
                note_connected(result, connected, len(load.procs), target)
                print_connected(result)
                if result.connected:
                    fan_out(result, target, load, poster, args)
            finally:
                result.notes += workers.stop(load)
                http.close()
            for log in target.logs:
                count, lines = log_problems(log)
                result.log_problem_count += count
                result.log_problem_lines += lines
    except Exception as exc:
        result.notes.append(f"{type(exc).__name__}: {exc}")
        print(f"  {kind} N={n} failed: {exc}", flush=True)
    return result, poster.template if "poster" in locals() else poster_template


def print_connected(result: Result) -> None:
    """Print how many clients connected and what the server held then."""
    print(
        f"  {result.target} N={result.n}: {result.connected}/{result.n} connected in {result.connect_wall:.1f} s "
        f"(server fds {result.server.get('fds_all')}, rss {result.server.get('rss_all_mib', 0):.0f} MiB)",
        flush=True,
    )
