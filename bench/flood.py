"""Flooding sockets against everyone else: /healthz and change delivery timed while 0, 1 and 10 anonymous
websockets flood the server with catch-up requests and reserved event names.

    .venv/bin/python bench/flood.py [--seconds 15] [--flooders 0 1 10] [--nice 19] [--readme]

Starts serve.py (SQLite) on 127.0.0.1, connects one ordinary listener, and in each phase runs N flooder
processes: each opens a websocket, joins, and sends `42["sync",{"since":0}]` as fast as the socket takes
it, with a `42["disconnect"]` and a `42["connect"]` after every 200 (what once reset the sync budget), never
reading; when the server cuts it off it connects again at once, as an attacker would. Meanwhile a probe
GETs /healthz every 100 ms and posts a staff change every 500 ms, timing its arrival at the listener.
Prints per phase: /healthz and delivery p50/p99/max, packets the flooders sent, times they were cut off,
the server's RSS, and the CPU seconds the server and the flooders used during the phase and the machine's
busy share (on two cores, whether a p99 is the server's own work or the flooders' and everyone else's).
`--nice N` runs the flooders at that niceness, so the kernel gives the server the CPU first. Only 127.0.0.1.
"""

import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import socketio as python_socketio

from bench.lib import guard, report
from bench.lib.api import ChangePoster, Http
from bench.lib.procstats import cpu_of, machine_cpu, rss_of
from bench.lib.stats import fmt_ms, percentile
from bench.lib.targets import venue
from tests.cluster.wsclients import frame, open_websocket

SYNC = '42["sync",{"since":0}]'
BURST = [SYNC] * 200 + ['42["disconnect"]', '42["connect"]']


def flooder(url: str, seconds: float, results, nice: int = 0) -> None:
    """Flood the server for `seconds`, reconnecting whenever cut off; put (packets, cut offs, CPU seconds)
    on results.

    The frames are built once and written with sendall, so a flooder costs this machine almost no CPU
    and the server's figures are not the flooders' own.
    """
    os.nice(nice)
    port = int(url.rsplit(":", 1)[1])
    burst = b"".join(frame(1, packet.encode()) for packet in BURST)
    sent = cut = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock = None
        try:
            sock = open_websocket(port)
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            while time.monotonic() < deadline:
                sock.sendall(burst)
                sent += len(BURST)
        except TimeoutError:
            break
        except OSError:
            cut += 1
        finally:
            if sock is not None:
                sock.close()
    results.put((sent, cut, time.process_time()))


class Probe:
    """Times /healthz and the delivery of staff changes to an ordinary listener, in the background."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.arrived: dict[int, float] = {}
        self.listener = python_socketio.Client(reconnection=True)
        self.listener.on("change", lambda change: self.arrived.setdefault(change["seq"], time.time()))
        self.listener.connect(url, transports=["websocket"], auth={"since": 0}, wait_timeout=10)

    def run(self, seconds: float) -> dict:
        """Probe for `seconds`; return the /healthz and delivery latencies (seconds) and lost changes."""
        health, posted, stop = [], {}, time.monotonic() + seconds

        def healthz() -> None:
            http = Http(self.url)
            while time.monotonic() < stop:
                start = time.monotonic()
                try:
                    http.request("GET", "/healthz")
                    health.append(time.monotonic() - start)
                except OSError:
                    health.append(float("inf"))
                time.sleep(max(0.0, 0.1 - (time.monotonic() - start)))
            http.close()

        checker = threading.Thread(target=healthz)
        checker.start()
        poster, i = ChangePoster(Http(self.url), self.token), 0
        while time.monotonic() < stop:
            sent, change = poster.post(i)
            if isinstance(change, dict):
                posted[change["seq"]] = sent
            i += 1
            time.sleep(0.5)
        checker.join()
        time.sleep(2)  # the last change's delivery
        delivery = sorted(self.arrived[s] - t for s, t in posted.items() if s in self.arrived)
        return {"health": sorted(health), "delivery": delivery, "lost": len(posted) - len(delivery)}


def phase(target, probe: Probe, flooders: int, seconds: float, nice: int = 0) -> list:
    """Run one phase with `flooders` flooding processes; return its table row."""
    results = multiprocessing.Queue()
    server_cpu, (busy, total) = cpu_of(target.pids), machine_cpu()
    procs = [
        multiprocessing.Process(target=flooder, args=(target.url, seconds + 1, results, nice))
        for _ in range(flooders)
    ]
    for proc in procs:
        proc.start()
        guard.track(proc.pid)
    time.sleep(1 if flooders else 0)  # the flood under way
    figures = probe.run(seconds)
    rss = rss_of(target.pids)
    counts = [results.get(timeout=60) for _ in procs]
    server_cpu = cpu_of(target.pids) - server_cpu
    busy_after, total_after = machine_cpu()
    for proc in procs:
        proc.join(10)
        guard.untrack(proc.pid)
    health, delivery = figures["health"], figures["delivery"]
    return [
        flooders,
        f"{fmt_ms(percentile(health, 50))} / {fmt_ms(percentile(health, 99))} / {fmt_ms(health[-1])}",
        f"{fmt_ms(percentile(delivery, 50))} / {fmt_ms(percentile(delivery, 99))} / "
        f"{fmt_ms(delivery[-1] if delivery else float('nan'))}",
        figures["lost"],
        f"{sum(c[0] for c in counts):,}",
        sum(c[1] for c in counts),
        f"{rss:.0f}",
        f"{server_cpu:.1f} / {sum(c[2] for c in counts):.1f} / {100 * (busy_after - busy) / (total_after - total):.0f} %",
    ]


def main() -> None:
    """Measure each phase and print (or append) the table."""
    parser = report.parser(__doc__)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--flooders", type=int, nargs="+", default=[0, 1, 10])
    parser.add_argument("--nice", type=int, default=0, help="the flooders' niceness (0-19)")
    args = report.parse_args(parser, max_seconds=900)
    load_before, timer = guard.begin(args.max_seconds)
    rows = []
    with tempfile.TemporaryDirectory(prefix="flood-") as tmp, venue(Path(tmp)) as target:
        guard.track(*target.pids)
        probe = Probe(target.url, target.token)
        try:
            for n in args.flooders:
                rows.append(phase(target, probe, n, args.seconds, args.nice))
                print(rows[-1], flush=True)
        finally:
            probe.listener.disconnect()
            guard.untrack(*target.pids)
    timer.cancel()
    head = [
        "flooding sockets",
        "/healthz p50 / p99 / max (ms)",
        "delivery p50 / p99 / max (ms)",
        "changes lost",
        "flood packets sent",
        "times cut off",
        "server RSS (MiB)",
        "CPU s: server / flooders / machine busy",
    ]
    report.append("Flooding sockets (bench/flood.py)", report.table(head, rows), load_before, args.readme)


if __name__ == "__main__":
    main()
