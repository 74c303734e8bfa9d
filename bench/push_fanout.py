"""Web Push fan-out, measured the way `make run` runs: serve.py (gevent) with its push sender process,
on PostgreSQL by default. One change to a session starred by N subscribers; how long until every push
request is received, and what a staff change and a websocket delivery cost with and without that fan-out.

The push service is a separate process (aiohttp on 127.0.0.1) that answers 201 Created to every POST
and counts them. serve.py runs on a fresh database (a PostgreSQL database made for the run, or
--database-url), PUSH_DEBOUNCE_SECONDS=0 so the notice is due when the change commits, and
PUSH_ALLOW_LOCAL_ENDPOINTS=1 so it may send to http://127.0.0.1. The N subscriptions follow one session,
each with its own endpoint (P-256 keys cycle through --distinct-keys real key pairs: every message is
still encrypted on its own, with a fresh ephemeral key, as RFC 8291 requires).

Two phases, each with --changes staff changes (a retime of a third session, POST /api/changes with a
bearer token, --interval apart), while one python-socketio client on a websocket receives them:
"quiet" (no push going out), then "during" (right after the change that starts the N pushes). A
staff change is the POST's round trip; a websocket delivery is from just before the POST until the
client has the change. Only changes posted while the pushes were being received count as "during".

Run from the repository root; it stops by itself (every wait is bounded by --max-seconds):
    .venv/bin/python bench/push_fanout.py --subscribers 10000 [--database-url URL] [--env NAME=VALUE]
"""

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.lib.api import Http  # noqa: E402
from bench.lib.procstats import cpu_of, machine_cpu  # noqa: E402
from tests.servers import free_port, run_flask, server_env, serving  # noqa: E402

PUSH_SERVICE = r"""
import sys, time
from aiohttp import web
count, first, last = 0, None, None
async def push(request):
    global count, first, last
    await request.read()
    now = time.time()
    count += 1
    first = first or now
    last = now
    return web.Response(status=201)
async def stats(request):
    return web.json_response({"count": count, "first": first, "last": last})
app = web.Application()
app.router.add_post("/push/{id}", push)
app.router.add_get("/stats", stats)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None, backlog=4096)
"""

FOLLOWED, THIRD = "medical-data-platform", "gmp-audit"
BENCH_DB = "venue_push_bench"
STAFF = "pushbench"


def stats(port: int) -> dict:
    """Return the push service's count and first/last request times."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as answer:
        return json.load(answer)


def start_push_service(port: int) -> subprocess.Popen:
    """Start the counting push service and wait until it answers."""
    proc = subprocess.Popen([sys.executable, "-c", PUSH_SERVICE, str(port)])
    for _ in range(100):
        try:
            stats(port)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the local push service did not start")


def fresh_postgres(name: str = BENCH_DB) -> str:
    """Drop and create a PostgreSQL database for this run; return its URL."""
    engine = sa.create_engine("postgresql+psycopg://127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql+psycopg://127.0.0.1:5432/{name}"


def add_subscribers(database_url: str, n: int, port: int, distinct: int) -> None:
    """Insert n subscriptions to FOLLOWED in bulk, straight into the database."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    keys = [
        b64(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        for _ in range(distinct)
    ]  # fmt: skip
    now = datetime.now(UTC)
    meta = sa.MetaData()
    engine = sa.create_engine(database_url)
    subs = sa.Table("push_subscriptions", meta, autoload_with=engine)
    topics = sa.Table("push_topics", meta, autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(
            subs.insert(),
            [{"id": i + 1, "endpoint": f"http://127.0.0.1:{port}/push/{i}", "p256dh": keys[i % distinct],
              "auth": b64(os.urandom(16)), "lang": "ko" if i % 2 else "en", "created_at": now, "updated_at": now}
             for i in range(n)],
        )  # fmt: skip
        conn.execute(topics.insert(), [{"subscription_id": i + 1, "session_id": FOLLOWED} for i in range(n)])
    engine.dispose()


class SocketClient:
    """One python-socketio client on a websocket: when each change (by seq) arrived."""

    def __init__(self, url: str, since: int) -> None:
        self.arrived: dict[int, float] = {}
        self.news = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("change", self._on_change)
        self.sio.connect(url, transports=["websocket"], auth={"since": since})

    def _on_change(self, data: dict) -> None:
        at = time.perf_counter()
        with self.news:
            self.arrived.setdefault(data["seq"], at)
            self.news.notify_all()

    def wait_for(self, seq: int, timeout: float) -> float | None:
        """Return when seq arrived, waiting at most timeout seconds (no polling: the bench takes no CPU meanwhile)."""
        with self.news:
            self.news.wait_for(lambda: seq in self.arrived, timeout)
            return self.arrived.get(seq)


def staff_change(http: Http, token: str, client: SocketClient, i: int) -> dict:
    """Post one retime of THIRD (+1/-1 minute); return its start (wall), POST and delivery seconds."""
    body = {"kind": "retime", "session": THIRD, "delay_minutes": 1 if i % 2 == 0 else -1}
    wall, started = time.time(), time.perf_counter()
    status, change = http.request("POST", "/api/changes", body, token=token)
    posted = time.perf_counter()
    if status != 201:
        raise SystemExit(f"POST /api/changes answered {status}: {change}")
    arrived = client.wait_for(change["seq"], 30)
    return {"wall": wall, "post": posted - started, "ws": (arrived - started) if arrived else None}


def wait_for_line(path: Path, text: str, timeout: float) -> None:
    """Wait until the server's log (serve.py and its push sender write there) holds text."""
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        if time.monotonic() > deadline:
            raise SystemExit(f"'{text}' did not appear in {path} within {timeout:.0f} s")
        time.sleep(0.1)


def children(pid: int) -> list[int]:
    """Return the pids of pid's children and their children (the push sender and its encryptors)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found += [int(entry.name), *children(int(entry.name))]
    return found


def summary(values: list[float]) -> str:
    """Return 'median / p95 / max' in milliseconds."""
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p95 * 1000:.1f} / {ordered[-1] * 1000:.1f}"


def uptime() -> str:
    """Return the load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=20, help="staff changes without a fan-out")
    parser.add_argument("--interval", type=float, default=0.15, help="seconds between staff changes")
    parser.add_argument("--distinct-keys", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="default: a fresh PostgreSQL database")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for serve.py and its sender")
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    if not 1 <= args.subscribers <= 50_000:
        parser.error("--subscribers must be from 1 to 50000")

    workdir = Path(tempfile.mkdtemp(prefix="push-bench-"))
    database_url = args.database_url or fresh_postgres()
    port = free_port()
    service = start_push_service(port)
    extra = dict(item.split("=", 1) for item in args.env)
    env = server_env(
        DATABASE_URL=database_url, PUSH_WORKER="1", PUSH_DEBOUNCE_SECONDS="0", PUSH_ALLOW_LOCAL_ENDPOINTS="1",
        VAPID_KEY_FILE=str(workdir / "vapid.pem"), **extra,
    )  # fmt: skip
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    load_before = uptime()
    try:
        run_flask(["release"], env)
        run_flask(["staff", "create", STAFF, "--role", "organiser"], env, stdin="bench-password-123456\n")
        token = run_flask(["staff", "token", STAFF], env).strip().splitlines()[-1].strip()
        add_subscribers(database_url, args.subscribers, port, args.distinct_keys)
        with serving([sys.executable, "serve.py"], workdir, env) as served:
            http = Http(served.url)
            client = SocketClient(served.url, http.head_seq())
            try:
                wait_for_line(served.log_path, "encryptor processes", args.max_seconds)  # the sender is up
                quiet = []
                for i in range(args.changes):
                    quiet.append(staff_change(http, token, client, i))
                    time.sleep(args.interval)
                server, sender = [served.proc.pid], children(served.proc.pid)
                cpu_before = (cpu_of(server), cpu_of(sender), cpu_of([service.pid]), machine_cpu())
                started = time.time()
                status, _ = http.request(
                    "POST", "/api/changes", {"kind": "retime", "session": FOLLOWED, "delay_minutes": 5}, token
                )
                assert status == 201, status
                deadline = time.time() + args.max_seconds
                while stats(port)["count"] == 0 and time.time() < deadline:
                    time.sleep(0.05)
                during = []  # staff changes for as long as the pushes go out
                while stats(port)["count"] < args.subscribers and time.time() < deadline:
                    during.append(staff_change(http, token, client, len(during)))
                    time.sleep(args.interval)
                time.sleep(0.5)  # the sender records the counts after the last answer
                cpu_after = (cpu_of(server), cpu_of(sender), cpu_of([service.pid]), machine_cpu())
            finally:
                client.sio.disconnect()
                http.close()
            got = stats(port)
    finally:
        service.terminate()
        service.wait(10)
    load_after = uptime()
    cpu = [after - before for before, after in zip(cpu_before[:3], cpu_after[:3], strict=True)]
    busy, total = (after - before for before, after in zip(cpu_before[3], cpu_after[3], strict=True))
    cpu.append(busy - sum(cpu))  # everything else on the machine meanwhile (other jobs, this bench)
    cpu.append(total)
    report(args, database_url, got, started, quiet, during, load_before, load_after, cpu)
    return 0 if got["count"] == args.subscribers else 1


def report(args, database_url, got, started, quiet, during, load_before, load_after, cpu) -> None:
    """Print what was measured, with a markdown table."""
    if got["count"] < args.subscribers:
        print(
            f"only {got['count']} of {args.subscribers} pushes arrived within --max-seconds", file=sys.stderr
        )
        return
    overlapping = [c for c in during if got["first"] <= c["wall"] <= got["last"]]
    kind = database_url.split(":", 1)[0].split("+")[0]
    print(f"\n{args.subscribers} subscribers to one session; serve.py (gevent) + its push sender, {kind}, "
          f"{os.cpu_count()} cores; load average {load_before} before, {load_after} after")  # fmt: skip
    print(f"push service got {got['count']} requests; {len(overlapping)} of {len(during)} staff changes "
          "were posted while they arrived\n")  # fmt: skip
    every, spread = got["last"] - started, got["last"] - got["first"]
    print("| measure | value |")
    print("| --- | --- |")
    print(
        f"| from the change's commit to the last push received | {every:.2f} s ({got['count'] / every:.0f} /s) |"
    )
    print(f"| first to last push received | {spread:.2f} s |")
    print(f"| CPU s while it ran: push sender + encryptors / serve.py / push service / the rest of the machine "
          f"| {cpu[1]:.2f} / {cpu[0]:.2f} / {cpu[2]:.2f} / {cpu[3]:.2f} (of {cpu[4]:.1f} available) |")  # fmt: skip
    print(f"| staff change, quiet (POST, p50 / p95 / max ms) | {summary([c['post'] for c in quiet])} |")
    print(f"| staff change, during the fan-out | {summary([c['post'] for c in overlapping])} |")
    print(f"| websocket delivery, quiet | {summary([c['ws'] for c in quiet if c['ws']])} |")
    print(
        f"| websocket delivery, during the fan-out | {summary([c['ws'] for c in overlapping if c['ws']])} |"
    )


if __name__ == "__main__":
    sys.exit(main())
