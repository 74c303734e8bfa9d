"""Health checks for load balancers: /healthz (the process answers), /readyz (it can serve: database, queue)."""

import logging

import redis
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from webapp.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
TIMEOUT = 2.0


def _database() -> str | None:
    """Return None when the database answers, else what went wrong."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return f"database: {type(getattr(exc, 'orig', None) or exc).__name__}"


def _queue() -> str | None:
    """Return None when the message queue answers (or none is configured), else what went wrong."""
    url = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
        return None
    except redis.exceptions.RedisError as exc:
        return f"message queue: {type(exc).__name__}"


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process runs: restart it only when this fails."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database and the message queue answer, else 503 naming what does not."""
    problems = [p for p in (_database(), _queue()) if p]
    if problems:
        log.warning("not ready: %s", "; ".join(problems))
        return jsonify(error="not_ready", message="; ".join(problems) + " unreachable."), 503
    return jsonify(status="ready")
