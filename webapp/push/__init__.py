"""Web Push for starred sessions: owns the URL prefix /push/, the push tables and the outbox worker.

A browser subscribes with its starred session ids and its language (no account); after a staff
change is committed, the sessions it touches get one debounced notice each in the outbox table. The
push sender, a process of its own (`flask --app webapp push sender`; `make run` starts one), claims
each notice once across every sender and sends it (RFC 8030/8291/8292): no web process ever sends.
"""

import logging
import os
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.extensions import current_event, db
from webapp.live.signals import change_committed
from webapp.push import views
from webapp.push.endpoints import PUSH_SERVICE_HOSTS
from webapp.push.keys import VapidKeyError, load_keys
from webapp.push.models import PushNotice
from webapp.push.notices import record
from webapp.push.worker import run_sender

log = logging.getLogger(__name__)
RECENT_NOTICES = 5


def _on_change_committed(change) -> None:
    """Record the notices a committed change calls for (the sender polls for them); never fail the change."""
    if "vapid" not in current_app.extensions:
        return
    try:
        debounce = timedelta(seconds=current_app.config["PUSH_DEBOUNCE_SECONDS"])
        record(change, debounce, current_event().tz)
    except Exception:
        db.session.rollback()
        log.exception("push notice for change %s not recorded", change.seq)


def outbox_status() -> tuple[int, datetime | None, datetime | None]:
    """Return how many notices wait, when the oldest due one fell due, and when one was last sent."""
    now = datetime.now(UTC)
    waiting = PushNotice.state.in_(("pending", "sending"))
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(PushNotice.due_at).filter(PushNotice.due_at <= now)).where(
            waiting
        )
    ).one()
    last = db.session.scalar(sa.select(sa.func.max(PushNotice.finished_at)).where(PushNotice.state == "sent"))
    return count, oldest, last


def push_summary() -> dict:
    """Return what push did, for the staff log: totals and the latest notices."""
    totals = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(PushNotice.sent), 0),
            sa.func.coalesce(sa.func.sum(PushNotice.failed), 0),
            sa.func.coalesce(sa.func.sum(PushNotice.removed), 0),
            sa.func.count().filter(PushNotice.state == "skipped"),
            sa.func.count().filter(PushNotice.state.in_(("pending", "sending"))),
        )
    ).one()
    recent = db.session.scalars(sa.select(PushNotice).order_by(PushNotice.id.desc()).limit(RECENT_NOTICES))
    keys = ("sent", "failed", "removed", "skipped", "waiting")
    return {**dict(zip(keys, totals, strict=True)), "recent": list(recent)}


push_cli = AppGroup("push", help="Web Push for starred sessions.")


@push_cli.command("sender")
def push_sender_command() -> None:
    """Send due push notices until stopped (SIGTERM or Ctrl-C): the one process that sends."""
    if not logging.getLogger().handlers:  # one line per notice sent, and any failure, on stderr
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Push sender {os.getpid()}: sending due notices; SIGTERM or Ctrl-C stops.")
    run_sender(current_app._get_current_object())


push_cli.add_command(push_sender_command, "worker")  # its name before issue 24


@push_cli.command("status")
@click.option("--late", default=120, show_default=True, help="Seconds past due that count as late.")
def push_status_command(late: int) -> None:
    """Print the outbox: waiting and late notices, the last one sent; exit 1 when one is late."""
    try:
        waiting, oldest, last = outbox_status()
    except sa.exc.SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the push outbox: {exc.__class__.__name__}") from None
    now = datetime.now(UTC)
    late_by = (now - oldest).total_seconds() if oldest else 0
    click.echo(f"waiting: {waiting}; oldest due {late_by:.0f} s ago" if oldest else f"waiting: {waiting}")
    click.echo(f"last sent: {last.isoformat(timespec='seconds')}" if last else "last sent: never")
    if late_by > late:
        raise click.ClickException(f"a notice is {late_by:.0f} s past due: is the push sender running?")


def init_app(app: Flask) -> None:
    """Load the VAPID keys, register /push/, record notices for committed changes, add `flask push`."""
    try:
        keys = load_keys(
            app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_PUBLIC_KEY"], app.config["VAPID_SUBJECT"],
            app.config["VAPID_KEY_FILE"],
        )  # fmt: skip
    except VapidKeyError as exc:
        raise click.ClickException(str(exc)) from None
    app.extensions["vapid"] = keys
    app.config["PUSH_SERVICE_HOSTS"] = app.config.get("PUSH_SERVICE_HOSTS") or PUSH_SERVICE_HOSTS
    app.register_blueprint(views.bp)
    app.add_template_global(push_summary)
    app.add_template_global(lambda: keys.public_key, "vapid_public_key")
    change_committed.connect(_on_change_committed)  # module-level function: connected once for every app
    app.cli.add_command(push_cli)
