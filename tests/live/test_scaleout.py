"""Several processes behind one address: a change posted to one reaches clients of another, via Redis."""

import time
import uuid

import pytest
import redis
import socketio as python_socketio

from tests.conftest import require_service
from tests.servers import post_change, run_flask, running_server

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        require_service("Redis at 127.0.0.1:6379 is unreachable")
    return REDIS_URL


def test_a_change_posted_to_one_process_reaches_clients_of_another(tmp_path, redis_url):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "SOCKETIO_CHANNEL": f"venue-live-test-{uuid.uuid4().hex[:8]}",
    }
    run_flask(["db", "upgrade"], env)
    run_flask(["staff", "create", "alice"], env, stdin="a long enough password\n")
    token = run_flask(["staff", "token", "alice"], env).strip()
    with running_server(tmp_path, **env) as first, running_server(tmp_path, **env) as second:
        received = []
        client = python_socketio.Client()
        client.on("change", received.append)
        client.connect(first, transports=["websocket"], auth={"since": 0}, wait_timeout=10)
        try:
            sent = [
                post_change(
                    second, token, {"kind": "room_status", "room": "hip-future-hall", "status": status}
                )
                for status in ("full", "open")
            ]
            # Wait for the second change: once it is here, a copy of the first would have come before it.
            deadline = time.monotonic() + 20
            while sent[-1]["seq"] not in [c["seq"] for c in received] and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            client.disconnect()
    # The poster (staff) is answered with who made it; listeners (attendees) are not told.
    assert [change["by"] for change in sent] == ["alice", "alice"]
    assert received == [{k: v for k, v in change.items() if k != "by"} for change in sent]
