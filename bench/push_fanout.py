"""Web Push fan-out: one change to a session starred by N subscribers; how long until every push
request is sent, and what the staff change itself costs with and without those subscribers.

The push service is a separate process (aiohttp on 127.0.0.1) that answers 201 Created to every POST
and counts them; the app is built in this process on a temporary SQLite database (or --database-url),
with N subscriptions to one session, each with its own endpoint (the subscribers' P-256 keys cycle
through --distinct-keys real key pairs: every message is still encrypted on its own, with a fresh
ephemeral key, as RFC 8291 requires). The outbox is run the way the worker runs it (webapp.push.worker
run_due with the app's Sender), right after the debounce, so "fan-out" is from the moment the notice is
due until the push service has every request.

The staff change's own latency is apply_change() (validate, write, commit, publish, record the push
notice) timed --changes times: on a session nobody follows, on the session the N subscribers follow,
and on a third session while the fan-out of the first runs in the same process. Timings are wall clock
(time.perf_counter); medians and p95 are printed with a markdown table. --gevent patches the standard
library first, as serve.py does, so the sender's pool runs as greenlets rather than threads.

Run from the repository root; it stops by itself (every wait is bounded by --max-seconds):
    .venv/bin/python bench/push_fanout.py --subscribers 10000 [--gevent] [--database-url URL]
"""

import sys

if "--gevent" in sys.argv:  # before anything imports socket or threading
    from gevent import monkey

    monkey.patch_all()

import argparse
import base64
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PUSH_SERVICE = r"""
import asyncio, json, sys, time
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

WORKER_DEBOUNCE = 5.0  # --worker-process: the changes to FOLLOWED are gathered, then the worker polls
FOLLOWED, QUIET, THIRD = "medical-data-platform", "dentistry-keynote", "gmp-audit"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def make_app(database_url: str, debounce: float = 0):
    """Build the app on database_url, migrated, with the event imported."""
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("VAPID_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="vapid-"), "vapid.pem"))
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.program.importer import import_event

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "PUSH_WORKER": False, "PUSH_DEBOUNCE_SECONDS": debounce,
         "EVENT_NOW": None, "PUSH_ALLOW_LOCAL_ENDPOINTS": True}
    )  # fmt: skip
    with app.app_context():
        upgrade()
        import_event(app.extensions["event"])
    return app


def add_subscribers(app, n: int, port: int, distinct: int) -> float:
    """Insert n subscriptions to FOLLOWED in bulk; return the seconds it took."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from webapp.extensions import db
    from webapp.push.models import PushSubscription, PushTopic

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    keys = [
        b64(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        for _ in range(distinct)
    ]  # fmt: skip
    started, now = time.perf_counter(), datetime.now(UTC)
    with app.app_context():
        rows = [
            {"id": i + 1, "endpoint": f"http://127.0.0.1:{port}/push/{i}", "p256dh": keys[i % distinct],
             "auth": b64(os.urandom(16)), "lang": "ko" if i % 2 else "en", "created_at": now, "updated_at": now}
            for i in range(n)
        ]  # fmt: skip
        db.session.execute(PushSubscription.__table__.insert(), rows)
        db.session.execute(
            PushTopic.__table__.insert(),
            [{"subscription_id": i + 1, "session_id": FOLLOWED} for i in range(n)],
        )
        db.session.commit()
    return time.perf_counter() - started


def time_changes(app, session_id: str, count: int) -> list[float]:
    """Apply count retimes (+1/-1 minute, alternating) to session_id; return each one's seconds."""
    from webapp.live.changes import apply_change

    took = []
    with app.test_request_context("/"):
        for i in range(count):
            started = time.perf_counter()
            apply_change(
                {"kind": "retime", "session": session_id, "delay_minutes": 1 if i % 2 == 0 else -1},
                by="bench",
            )
            took.append(time.perf_counter() - started)
    return took


def summary(values: list[float]) -> str:
    """Return 'median / p95' in milliseconds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p95 * 1000:.1f}"


def main() -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--distinct-keys", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--gevent", action="store_true")
    parser.add_argument(
        "--worker-process", action="store_true", help="send from `flask push worker`, not in-process"
    )
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    if not 1 <= args.subscribers <= 50_000:
        parser.error("--subscribers must be from 1 to 50000")

    workdir = tempfile.mkdtemp(prefix="push-bench-")
    database_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    port = free_port()
    service = start_push_service(port)
    try:
        app = make_app(database_url, WORKER_DEBOUNCE if args.worker_process else 0)
        inserted = add_subscribers(app, args.subscribers, port, args.distinct_keys)
        quiet = time_changes(app, QUIET, args.changes)
        followed = time_changes(app, FOLLOWED, 1)  # the change that makes the notice
        followed += time_changes(app, FOLLOWED, args.changes - 1)  # merged into the same pending notice

        if args.worker_process:
            result = fan_out_elsewhere(app, args, database_url, port)
            during = result.pop("during") if result else []
        else:
            result, during = fan_out_here(app, args, port)
        got = stats(port)
        with app.app_context():
            from webapp.extensions import db
            from webapp.push.models import PushNotice

            notice = db.session.query(PushNotice).filter_by(session_id=FOLLOWED).one()
            counts = (notice.sent, notice.failed, notice.removed)
    finally:
        service.terminate()
        service.wait(10)
    if result is None:
        print("fan-out did not finish within --max-seconds", file=sys.stderr)
        return 3
    report(args, database_url, inserted, got, result, counts, quiet, followed, during)
    return 0 if got["count"] == args.subscribers and counts[0] == args.subscribers else 1


def fan_out_here(app, args, port: int):
    """Run the outbox in this process (a thread or greenlet) while timing staff changes; return the result."""
    from webapp.push.worker import run_due

    sender = app.extensions["push_worker"].sender
    result: dict = {}

    def fan_out() -> None:
        started = time.perf_counter()
        result["started"] = time.time()
        result["notices"] = run_due(app, sender, now=datetime.now(UTC) + timedelta(seconds=1))
        result["run_due"] = time.perf_counter() - started

    worker = threading.Thread(target=fan_out)
    worker.start()
    during = time_changes(app, THIRD, args.changes)  # a staff change while the fan-out runs
    worker.join(args.max_seconds)
    return (None if worker.is_alive() else result), during


def fan_out_elsewhere(app, args, database_url: str, port: int) -> dict | None:
    """Let `flask push worker` in its own process send; time staff changes here meanwhile."""
    from webapp.extensions import db
    from webapp.push.models import PushNotice

    with app.app_context():
        due = db.session.query(PushNotice).filter_by(session_id=FOLLOWED).one().due_at.timestamp()
    env = {**os.environ, "DATABASE_URL": database_url, "PUSH_WORKER": "0"}
    proc = subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "webapp", "push", "worker"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.time() + args.max_seconds
        while stats(port)["count"] == 0 and time.time() < deadline:
            time.sleep(0.05)
        during = time_changes(app, THIRD, args.changes)  # a staff change while the other process sends
        while stats(port)["count"] < args.subscribers and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # the worker records the counts after the last answer
    finally:
        proc.terminate()
        proc.wait(10)
    if stats(port)["count"] < args.subscribers:
        return None
    return {"started": due, "run_due": stats(port)["last"] - due, "during": during}


def report(args, database_url, inserted, got, result, counts, quiet, followed, during) -> None:
    """Print what was measured, with a markdown table."""
    every = got["last"] - result["started"]
    mode = "a separate worker process" if args.worker_process else "gevent" if args.gevent else "threads"
    db_kind = database_url.split(":", 1)[0]
    print(
        f"\n{args.subscribers} subscribers to one session ({db_kind}, sender pool as {mode}, {os.cpu_count()} cores)"
    )
    print(f"subscriptions inserted in {inserted:.1f} s; push service got {got['count']} requests")
    print(f"notice: {counts[0]} sent, {counts[1]} failed, {counts[2]} removed\n")
    print("| measure | value |")
    print("| --- | --- |")
    print(
        f"| until every push request was received | {every:.2f} s ({got['count'] / every:.0f} requests/s) |"
    )
    if not args.worker_process:
        print(f"| outbox run (claim, encrypt, send, record) | {result['run_due']:.2f} s |")
    print(f"| staff change, session with 0 subscribers (median / p95 ms) | {summary(quiet)} |")
    print(f"| staff change, session with {args.subscribers} subscribers | {summary(followed)} |")
    print(f"| staff change during the fan-out | {summary(during)} |")


if __name__ == "__main__":
    sys.exit(main())
