"""Web Push for starred sessions: owns the URL prefix /push/, the push tables and the outbox worker.

A browser subscribes with its starred session ids and its language (no account); after a staff
change is committed, the sessions it touches get one debounced notice each, sent off the request
path by a worker that claims it once across every process (RFC 8030/8291/8292 via pywebpush).
"""

import logging
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.live.signals import change_committed
from webapp.push import views
from webapp.push.keys import VapidKeyError, load_keys
from webapp.push.models import PushNotice
from webapp.push.notices import record
from webapp.push.sender import Sender
from webapp.push.subscriptions import PUSH_SERVICE_HOSTS
from webapp.push.worker import Worker

log = logging.getLogger(__name__)
RECENT_NOTICES = 5


def _on_change_committed(change) -> None:
    """Record the notices a committed change calls for; never fail the staff change that caused it."""
    worker: Worker | None = current_app.extensions.get("push_worker")
    if worker is None:
        return
    try:
        debounce = timedelta(seconds=current_app.config["PUSH_DEBOUNCE_SECONDS"])
        if record(change, debounce, current_app.extensions["event"].tz):
            worker.wake.set()
    except Exception:
        db.session.rollback()
        log.exception("push notice for change %s not recorded", change.seq)


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


@push_cli.command("worker")
def push_worker_command() -> None:
    """Send due push notices until stopped (for deployments that run web processes with PUSH_WORKER=0)."""
    worker: Worker = current_app.extensions["push_worker"]
    click.echo(f"Sending push notices every {worker.poll:g} s at most; Ctrl-C stops.")
    worker.run_forever()


def init_app(app: Flask) -> None:
    """Load the VAPID keys, register /push/, listen for committed changes and start the worker on demand."""
    try:
        keys = load_keys(
            app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_PUBLIC_KEY"], app.config["VAPID_SUBJECT"],
            app.config["VAPID_KEY_FILE"],
        )  # fmt: skip
    except VapidKeyError as exc:
        raise click.ClickException(str(exc)) from None
    app.extensions["vapid"] = keys
    app.config["PUSH_SERVICE_HOSTS"] = app.config.get("PUSH_SERVICE_HOSTS") or PUSH_SERVICE_HOSTS
    sender = Sender(
        keys,
        timeout=app.config.get("PUSH_TIMEOUT_SECONDS", 10.0),
        backoff=app.config.get("PUSH_BACKOFF_SECONDS", 1.0),
    )
    worker = app.extensions["push_worker"] = Worker(app, sender)
    app.register_blueprint(views.bp)
    app.add_template_global(push_summary)
    app.add_template_global(lambda: keys.public_key, "vapid_public_key")
    change_committed.connect(_on_change_committed)  # module-level function: connected once for every app
    app.cli.add_command(push_cli)
    if app.config["PUSH_WORKER"]:
        # Started by the first request, so CLI commands (db upgrade, staff create) never start a sender.
        app.before_request(worker.start)
