"""The outbox: claim due notices (once across every sender), send them, count what happened.

Sending runs only in the push sender process (`flask --app webapp push sender`, which `make run` and
`make cluster` start): never on a web process's event loop. Any number of senders may run against one
database; a notice is claimed by one of them in one atomic statement.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, url_for

from webapp.extensions import current_event, db
from webapp.live.log import session_state
from webapp.models import Session
from webapp.push import subscriptions
from webapp.push.encrypt import encryptor_pool
from webapp.push.models import PushNotice
from webapp.push.notices import compose
from webapp.push.process import parent_gone
from webapp.push.sender import SENT, Delivery, Message, Sender, Target, payload, topic_for
from webapp.web.i18n import LANGUAGES

log = logging.getLogger(__name__)

TEXT_KEPT = 500  # characters of a notice's text the staff log keeps, in each language
STALE_CLAIM = timedelta(minutes=10)  # a sender that died mid-send: its notices go out again
CLAIM_BATCH = 10
POLL_SECONDS = 1.0
MIN_TTL, MAX_TTL = 300, 24 * 3600

SENDER_ID = f"{socket.gethostname()}:{os.getpid()}"


def claim_due(now: datetime, sender: str = SENDER_ID, limit: int = CLAIM_BATCH) -> list[int]:
    """Mark up to limit due notices as this sender's and return their ids; no two senders get the same one.

    One UPDATE ... WHERE id IN (due ones) ... RETURNING: on PostgreSQL the inner SELECT takes the rows
    FOR UPDATE SKIP LOCKED (another sender's rows are skipped, not waited for) and the outer WHERE is
    checked again on the locked rows; on SQLite the statement runs under the one writer's lock, so the
    second sender's UPDATE finds the rows already claimed and changes nothing.
    """
    due = sa.or_(
        sa.and_(PushNotice.state == "pending", PushNotice.due_at <= now),
        sa.and_(PushNotice.state == "sending", PushNotice.claimed_at < now - STALE_CLAIM),
    )
    chosen = (
        sa.select(PushNotice.id)
        .where(due)
        .order_by(PushNotice.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        sa.update(PushNotice)
        .where(PushNotice.id.in_(chosen.scalar_subquery()), due)
        .values(state="sending", claimed_at=now, claimed_by=sender)
        .returning(PushNotice.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


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
        for lang in LANGUAGES
    }
    return Message(payloads=payloads, topic=topic_for(s.id), urgency=urgency, ttl=ttl)


def _changed(notice: PushNotice, s: Session) -> set[str]:
    now_state = session_state(s)
    return {k for k, v in notice.baseline["session"].items() if now_state.get(k) != v}


def _finish(notice: PushNotice, state: str, now: datetime) -> None:
    notice.state, notice.finished_at = state, now
    db.session.commit()


def prepare(notice_id: int, tz: ZoneInfo, title, now: datetime) -> tuple[list[Target], Message] | None:
    """Return whom a claimed notice goes to and what it says, or None after recording it as skipped."""
    notice = db.session.get(PushNotice, notice_id)
    s = db.session.get(Session, notice.session_id)
    texts = {lang: compose(notice.baseline, s, now, tz, lang) for lang in LANGUAGES} if s else {}
    targets = [Target(*row) for row in subscriptions.subscribers(notice.session_id)]
    if not targets or not all(texts.values()):
        notice.skipped = len(targets)
        _finish(notice, "skipped", now)
        return None
    notice.texts = {lang: text[:TEXT_KEPT] for lang, text in texts.items()}
    message = _message(notice, s, texts, title, now)
    db.session.commit()  # no transaction stays open while the push services answer
    return targets, message


def record(notice_id: int, result: Delivery) -> PushNotice:
    """Store what happened to a sent notice, and drop the subscriptions that are gone."""
    subscriptions.remove_ids(result.gone)
    notice = db.session.get(PushNotice, notice_id)
    notice.sent, notice.removed = result.counts[SENT], len(result.gone)
    notice.failed = sum(result.counts.values()) - notice.sent - notice.removed
    _finish(notice, "sent", datetime.now(UTC))
    log.info(
        "push notice %s (%s): %s sent, %s gone, %s failed",
        notice.id, notice.session_id, notice.sent, notice.removed, notice.failed,
    )  # fmt: skip
    return notice


async def send_due(
    app: Flask, sender: Sender, now: datetime | None = None, stopping=lambda: False
) -> list[PushNotice]:
    """Claim and send every due notice (until stopping() says stop, between claims); return them."""
    event = current_event(app)
    done = []
    with app.test_request_context("/"):  # url_for and the notice's language need a request context
        try:
            batch = app.config["PUSH_CLAIM_BATCH"]
            while not stopping() and (ids := claim_due(now or datetime.now(UTC), limit=batch)):
                for notice_id in ids:
                    at = now or datetime.now(UTC)
                    job = prepare(notice_id, event.tz, event.event.short_name, at)
                    if job is None:
                        done.append(db.session.get(PushNotice, notice_id))
                        continue
                    done.append(record(notice_id, await sender.deliver(*job)))
        finally:
            db.session.remove()
    return done


def make_sender(app: Flask, encryptors=None, **overrides) -> Sender:
    """Return a Sender configured from app (its keys, hosts, timeouts); overrides for tests."""
    options = {
        "hosts": app.config["PUSH_SERVICE_HOSTS"],
        "allow_local": app.config["PUSH_ALLOW_LOCAL_ENDPOINTS"],
        "timeout": app.config["PUSH_TIMEOUT_SECONDS"],
        "backoff": app.config["PUSH_BACKOFF_SECONDS"],
        **overrides,
    }
    return Sender(app.extensions["vapid"], encryptors=encryptors, **options)


def run_due(app: Flask, now: datetime | None = None, **overrides) -> list[PushNotice]:
    """Claim and send every due notice once, from a loop of its own (tests, and one-off runs)."""

    async def once():
        async with make_sender(app, **overrides) as sender:
            return await send_due(app, sender, now)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(once())
    # Called where this thread's loop counts as running (asyncio.run refuses that): a thread of its own.
    # In the test suite that is Playwright's sync API, which marks its loop as running in the main thread
    # between its calls (playwright 1.65, sync_api/_context_manager.py) once the browser tests start it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, once()).result()


def run_sender(app: Flask, poll: float = POLL_SECONDS) -> None:
    """Run the push sender until SIGTERM or SIGINT: encryptor processes, one loop, every due notice."""
    nice = int(app.config["PUSH_SENDER_NICE"])
    if nice:
        # Below the web processes: when the cores are busy, pages, staff and sockets go first.
        os.nice(nice)
    count = app.config["PUSH_ENCRYPTORS"] or os.cpu_count() or 1
    encryptors = encryptor_pool(count)  # forked: they inherit the nice value
    log.info("push sender %s: %s encryptor processes, polling every %g s", SENDER_ID, count, poll)
    try:
        asyncio.run(_sender_loop(app, encryptors, poll))
    finally:
        encryptors.shutdown(cancel_futures=True)
    log.info("push sender %s stopped", SENDER_ID)


async def _sender_loop(app: Flask, encryptors, poll: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with make_sender(app, encryptors) as sender:
        while not stop.is_set():
            if parent_gone():  # started by serve.py, which has gone without stopping us
                log.warning("push sender %s: the server that started it has gone; stopping", SENDER_ID)
                break
            try:
                await send_due(app, sender, stopping=stop.is_set)
            except Exception:  # a database hiccup: log it and try again on the next round
                log.exception("push sender round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll)
