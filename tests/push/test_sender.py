"""The push sender as it runs: its own processes, one connection per push service, Retry-After, no inside address."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from aiohttp.abc import AbstractResolver

from tests.push.conftest import NOW
from tests.push.pushservice import PushService
from tests.servers import ROOT
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.push import subscriptions
from webapp.push.models import PushNotice
from webapp.push.worker import run_due

SESSION = "medical-data-platform"
# Sessions on the first morning, each cancelled once: one notice each.
SESSIONS = [
    "medical-data-platform", "dentistry-keynote", "gmp-audit", "opening-ceremony", "dentistry-industry",
]  # fmt: skip


class LoopbackResolver(AbstractResolver):
    """Resolve every name to 127.0.0.1 and the test push service's port, as a hostile DNS answer would."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": self.port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]  # fmt: skip

    async def close(self):
        pass


def _sender(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "push", "sender"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def _claimants() -> set[str]:
    """Return the senders that have claimed a notice so far."""
    claimants = {n.claimed_by for n in db.session.query(PushNotice) if n.claimed_by}
    db.session.rollback()
    return claimants


def test_two_sender_processes_send_each_notice_once(push_app, change):
    """Two `flask push sender` processes on one database race for the same notices: each goes out once."""
    with PushService(delay=0.1) as service:  # 2 s of sending at least: the other sender polls meanwhile
        browsers = {}
        with push_app.app_context():
            for session_id in SESSIONS:
                for n in range(4):
                    browser = browsers[(session_id, n)] = service.browser(f"{session_id}-{n}")
                    info = browser.subscription()
                    subscriptions.save(
                        info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], [session_id], "en"
                    )
        env = {
            **os.environ, "DATABASE_URL": push_app.config["SQLALCHEMY_DATABASE_URI"],
            "PUSH_ALLOW_LOCAL_ENDPOINTS": "1", "PUSH_CLAIM_BATCH": "1", "PUSH_ENCRYPTORS": "1",
            "PUSH_SENDER_NICE": "0", "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        senders = [_sender(env), _sender(env)]
        try:
            for proc in senders:  # each says so once its app is up; its loop starts right after
                assert "Push sender" in proc.stdout.readline()
            service.hold.clear()  # the first push waits until the other sender has claimed a notice too
            for session_id in SESSIONS:  # due at once (the event's clock is in 2023): both senders race
                change(kind="cancel", session=session_id)
            deadline = time.monotonic() + 90
            with push_app.app_context():
                while time.monotonic() < deadline and len(_claimants()) < 2:
                    time.sleep(0.1)
                service.hold.set()
                while time.monotonic() < deadline:
                    states = [n.state for n in db.session.query(PushNotice)]
                    db.session.rollback()
                    if len(states) == len(SESSIONS) and set(states) == {"sent"}:
                        break
                    time.sleep(0.2)
                notices = db.session.query(PushNotice).all()
        finally:
            logs = [_stop(proc) for proc in senders]
    assert [n.state for n in notices] == ["sent"] * len(SESSIONS), logs
    assert [(n.sent, n.failed) for n in notices] == [(4, 0)] * len(SESSIONS)
    per_path = Counter(r.path for r in service.received)
    assert sorted(per_path.values()) == [1] * len(browsers), "a browser got a notice twice, or none"
    for browser in browsers.values():
        [got] = service.to(browser)
        assert browser.decrypt(got.body)["body"].endswith("is cancelled.")
    # Both processes claimed notices (the race was real), and each stopped cleanly on SIGTERM.
    assert len({n.claimed_by for n in notices}) == 2, logs
    assert all(proc.returncode == 0 for proc in senders), logs


def test_one_connection_per_push_service(push_service, subscribe, change, send_due):
    browsers = [subscribe(SESSION) for _ in range(30)]
    change(kind="cancel", session=SESSION)
    [notice] = send_due()
    assert notice.sent == 30
    assert {r.path for r in push_service.received} == {
        b.endpoint.removeprefix(push_service.origin) for b in browsers
    }
    assert len({r.connection for r in push_service.received}) == 1  # keep-alive: one TCP connection


def test_429_pauses_the_push_service_for_its_retry_after(push_service, subscribe, change, send_due):
    first, _second = subscribe(SESSION), subscribe(SESSION)
    push_service.reply(first.endpoint.removeprefix(push_service.origin), (429, {"Retry-After": "1"}))
    change(kind="cancel", session=SESSION)
    [notice] = send_due()
    assert (notice.sent, notice.failed) == (2, 0)
    refused, *after = sorted(push_service.received, key=lambda r: r.at)
    assert refused.path == first.endpoint.removeprefix(push_service.origin)
    # Nothing went to that service for the second it asked for, not even the other subscriber's message.
    assert all(r.at - refused.at >= 0.95 for r in after) and len(after) == 2


def _tls_subscriber(app, service: PushService) -> object:
    browser = service.browser("inside")
    info = browser.subscription()
    with app.app_context():
        subscriptions.save(info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], [SESSION], "en")
    return browser


@pytest.mark.parametrize("allow_loopback", [False, True])
def test_push_host_resolving_to_loopback_is_not_connected_to(make_app, allow_loopback):
    """push.test is on the known list, but resolves to 127.0.0.1: refused unless the test allows loopback."""
    app = make_app(
        EVENT_NOW="2023-11-29T09:00:00+09:00", PUSH_SERVICE_HOSTS=("push.test",),
        PUSH_ALLOW_LOCAL_ENDPOINTS=allow_loopback, PUSH_BACKOFF_SECONDS=0.01,
    )  # fmt: skip
    with PushService(tls_host="push.test") as service:
        browser = _tls_subscriber(app, service)
        assert browser.endpoint.startswith("https://push.test/")  # https, port 443 implied
        with app.app_context():
            apply_change({"kind": "cancel", "session": SESSION}, by="alice", now=NOW)
        [notice] = run_due(
            app, now=NOW.replace(hour=10), resolver=LoopbackResolver(service.port), ssl=service.client_tls
        )
        with app.app_context():
            notice = db.session.merge(notice)
        if allow_loopback:
            [got] = service.to(browser)
            assert browser.decrypt(got.body)["body"].endswith("is cancelled.")
            assert (notice.sent, notice.failed) == (1, 0)
        else:
            assert service.received == []
            assert (notice.sent, notice.failed) == (0, 1)


def test_status_fails_while_a_notice_is_late_and_passes_once_it_is_sent(
    push_app, subscribe, change, send_due
):
    subscribe(SESSION)
    change(kind="cancel", session=SESSION)  # due in 2023: long past due by the wall clock
    runner = push_app.test_cli_runner()
    late = runner.invoke(args=["push", "status"])
    assert (
        late.exit_code == 1 and "waiting: 1" in late.output and "is the push sender running?" in late.output
    )
    send_due()
    fine = runner.invoke(args=["push", "status"])
    assert fine.exit_code == 0 and "waiting: 0" in fine.output and "last sent: 20" in fine.output


def test_a_push_service_that_hangs_costs_a_few_timeouts_not_one_per_subscriber(make_app):
    app = make_app(
        EVENT_NOW="2023-11-29T09:00:00+09:00", PUSH_ALLOW_LOCAL_ENDPOINTS=True,
        PUSH_TIMEOUT_SECONDS=0.3, PUSH_BACKOFF_SECONDS=0.01,
    )  # fmt: skip
    with PushService() as service:
        with app.app_context():
            for n in range(40):
                info = service.browser(f"b{n}").subscription()
                subscriptions.save(
                    info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], [SESSION], "en"
                )
            apply_change({"kind": "cancel", "session": SESSION}, by="alice", now=NOW)
        service.hold.clear()  # it takes each request and never answers
        started = time.monotonic()
        [notice] = run_due(app, now=NOW.replace(hour=10))
        took = time.monotonic() - started
    with app.app_context():
        notice = db.session.merge(notice)
    assert (notice.sent, notice.failed) == (0, 40)
    assert took < 10  # 40 subscribers x 4 tries x 0.3 s would be 48 s
    assert len(service.received) < 12
