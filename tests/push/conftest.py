"""Fixtures for push: a local push service, an app that may send to it, and subscribing browsers."""

from datetime import datetime, timedelta

import pytest

from tests.push.pushservice import PushService
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.push import subscriptions
from webapp.push.worker import run_due

# 29 Nov 2023 09:00 in Seoul: before the morning sessions start.
NOW = datetime.fromisoformat("2023-11-29T09:00:00+09:00")


@pytest.fixture
def push_service():
    """A push service on 127.0.0.1 that answers 201 and records what it gets."""
    with PushService() as service:
        yield service


@pytest.fixture
def push_app(make_app):
    """The app allowed to send to http://127.0.0.1 endpoints, with short retry waits."""
    return make_app(
        EVENT_NOW="2023-11-29T09:00:00+09:00",
        WTF_CSRF_ENABLED=False,
        PUSH_ALLOW_LOCAL_ENDPOINTS=True,
        PUSH_BACKOFF_SECONDS=0.01,
        PUSH_TIMEOUT_SECONDS=5,
    )


@pytest.fixture
def subscribe(push_app, push_service):
    """Return a callable that subscribes a new browser for session ids in lang; returns the browser."""
    count = iter(range(10**6))

    def _subscribe(*session_ids: str, lang: str = "en"):
        browser = push_service.browser(f"b{next(count)}")
        info = browser.subscription()
        with push_app.app_context():
            subscriptions.save(
                info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], list(session_ids), lang
            )
        return browser

    return _subscribe


@pytest.fixture
def change(push_app):
    """Return a callable that applies a staff change at NOW + minutes."""

    def _change(minutes: float = 0, **data):
        with push_app.app_context():
            done = apply_change(data, by="alice", now=NOW + timedelta(minutes=minutes))
            return done.seq

    return _change


@pytest.fixture
def send_due(push_app):
    """Return a callable that runs the outbox as if it were NOW + minutes; returns the notices handled."""

    def _send(minutes: float = 2):
        notices = run_due(push_app, now=NOW + timedelta(minutes=minutes))
        with push_app.app_context():
            return [db.session.merge(n) for n in notices]

    return _send
