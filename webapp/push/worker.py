"""The outbox: claim due notices (once across every process), send them, count what happened."""

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, url_for

from webapp.extensions import db
from webapp.live.log import session_state
from webapp.models import Session
from webapp.push import subscriptions
from webapp.push.models import PushNotice
from webapp.push.notices import compose
from webapp.push.sender import SENT, Message, Sender, payload, topic_for

log = logging.getLogger(__name__)

LANGS = ("ko", "en")
STALE_CLAIM = timedelta(minutes=10)  # a process that died mid-send: its notices go out again
CLAIM_BATCH = 10
POLL_SECONDS = 2.0
MIN_TTL, MAX_TTL = 300, 24 * 3600

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def claim_due(now: datetime, worker: str = WORKER_ID, limit: int = CLAIM_BATCH) -> list[int]:
    """Mark up to limit due notices as this worker's and return their ids; no two workers get the same one."""
    due = sa.or_(
        sa.and_(PushNotice.state == "pending", PushNotice.due_at <= now),
        sa.and_(PushNotice.state == "sending", PushNotice.claimed_at < now - STALE_CLAIM),
    )
    # PostgreSQL: rows another worker is claiming are skipped, not waited for. SQLite ignores the
    # clause; its single writer plus the state check in the UPDATE below makes the claim exclusive.
    query = sa.select(PushNotice.id, PushNotice.state).where(due).order_by(PushNotice.due_at).limit(limit)
    rows = db.session.execute(query.with_for_update(skip_locked=True)).all()
    claimed = []
    for notice_id, state in rows:
        done = db.session.execute(
            sa.update(PushNotice)
            .where(PushNotice.id == notice_id, PushNotice.state == state)
            .values(state="sending", claimed_at=now, claimed_by=worker)
        )
        if done.rowcount == 1:
            claimed.append(notice_id)
    db.session.commit()
    return claimed


def _message(notice: PushNotice, s: Session, texts: dict[str, str], title, now: datetime) -> Message:
    ttl = int(min(max((s.end_at - now).total_seconds(), MIN_TTL), MAX_TTL))
    urgency = "normal" if "stream_status" in _changed(notice, s) else "high"
    payloads = {
        lang: payload(
            title.get(lang),
            texts[lang],
            url_for("pages.session", session_id=s.id, lang=lang),
            f"session-{s.id}",
            notice.last_seq,
        )
        for lang in LANGS
    }
    return Message(payloads=payloads, topic=topic_for(s.id), urgency=urgency, ttl=ttl)


def _changed(notice: PushNotice, s: Session) -> set[str]:
    now_state = session_state(s)
    return {k for k, v in notice.baseline["session"].items() if now_state.get(k) != v}


def _finish(notice: PushNotice, state: str, now: datetime) -> None:
    notice.state, notice.finished_at = state, now
    db.session.commit()


def send_notice(notice_id: int, sender: Sender, tz: ZoneInfo, title, now: datetime) -> PushNotice:
    """Send one claimed notice to every subscriber of its session (or skip it); record the counts."""
    notice = db.session.get(PushNotice, notice_id)
    s = db.session.get(Session, notice.session_id)
    texts = {lang: compose(notice.baseline, s, now, tz, lang) for lang in LANGS} if s else {}
    targets = [(sub.id, sub.info(), sub.lang) for sub in subscriptions.subscribers(notice.session_id)]
    if not targets or not all(texts.values()):
        notice.skipped = len(targets)
        _finish(notice, "skipped", now)
        return notice
    notice.text_en = texts["en"][:500]
    message = _message(notice, s, texts, title, now)
    db.session.commit()  # no transaction stays open while the push services answer
    result = sender.deliver(targets, message)
    subscriptions.remove_ids(result.gone)
    notice = db.session.get(PushNotice, notice_id)
    notice.sent, notice.removed = result.counts[SENT], len(result.gone)
    notice.failed = sum(result.counts.values()) - notice.sent - notice.removed
    _finish(notice, "sent", datetime.now(UTC))
    log.info(
        "push notice %s: %s sent, %s gone, %s failed", notice.id, notice.sent, notice.removed, notice.failed
    )
    return notice


def run_due(app: Flask, sender: Sender, now: datetime | None = None) -> list[PushNotice]:
    """Claim and send every due notice; return them (used by the worker loop and by tests)."""
    event = app.extensions["event"]
    done = []
    with app.test_request_context("/"):  # url_for and the notice's language need a request context
        try:
            while ids := claim_due(now or datetime.now(UTC)):
                for notice_id in ids:
                    done.append(
                        send_notice(
                            notice_id, sender, event.tz, event.event.short_name, now or datetime.now(UTC)
                        )
                    )
        finally:
            db.session.remove()
    return done


class Worker:
    """One per process: wakes when a notice is recorded, or every few seconds, and sends what is due."""

    def __init__(self, app: Flask, sender: Sender, poll: float = POLL_SECONDS) -> None:
        self.app, self.sender, self.poll = app, sender, poll
        self.wake, self.stopped = threading.Event(), threading.Event()
        self.started = False
        self._task = None  # the background task running the loop (a thread, or a greenlet under gevent)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the loop once, as a background task of the app's async mode (thread or greenlet)."""
        with self._lock:
            if self.started:
                return
            self.started = True
        from webapp.extensions import socketio

        self._task = socketio.start_background_task(self.run_forever)

    def run_forever(self) -> None:
        """Send what is due, then wait for a wake-up or the poll interval; until stop()."""
        while not self.stopped.is_set():
            try:
                run_due(self.app, self.sender)
            except Exception:  # a database hiccup: log it and try again on the next round
                log.exception("push worker round failed")
            self.wake.wait(self.poll)
            self.wake.clear()

    def stop(self, timeout: float = 10.0) -> None:
        """End the loop after its current round, and wait for that (at most `timeout` seconds).

        Waiting matters to whoever closes the database next: a round still running would hand its
        connection back to a pool that engine.dispose() has already let go of, and that connection
        would then be garbage-collected open (psycopg's ResourceWarning).
        """
        self.stopped.set()
        self.wake.set()
        if self._task is not None:
            self._task.join(timeout)
