"""A change committed anywhere reaches this process's clients once, in order, within a heartbeat."""

import time

import pytest

from webapp.extensions import socketio
from webapp.live import changes
from webapp.live.changes import apply_change

HEARTBEAT = 0.2


def changes_received(client) -> list[dict]:
    return [m["args"][0] for m in client.get_received() if m["name"] == "change"]


def flip(app, times: int, start: int = 0) -> list[int]:
    """Make `times` committed changes (the auditorium full, open, ...); return their seqs."""
    with app.app_context():
        return [
            apply_change(
                {
                    "kind": "room_status",
                    "room": "kins-7f-auditorium",
                    "status": ("full", "open")[(start + i) % 2],
                },
                by="alice",
            ).seq
            for i in range(times)
        ]


def wait_for(client, count: int, seconds: float = 5) -> list[dict]:
    """Collect changes until `count` arrived or `seconds` passed."""
    got, deadline = [], time.monotonic() + seconds
    while len(got) < count and time.monotonic() < deadline:
        got += changes_received(client)
        time.sleep(0.02)
    return got


@pytest.fixture
def app(make_app):
    return make_app(EVENT_NOW="2023-11-29T10:30:00+09:00", SOCKETIO_HEARTBEAT=HEARTBEAT)


@pytest.fixture
def unpublished(monkeypatch):
    """Commit changes without this process publishing them: what another process's commit looks like here."""
    monkeypatch.setattr(changes, "publish", lambda change: None)


def test_a_change_another_process_committed_reaches_clients_within_a_heartbeat(app, unpublished):
    client = socketio.test_client(app, auth={"since": 0})
    client.get_received()
    committed = time.monotonic()
    seqs = flip(app, 3)
    got = wait_for(client, 3)
    arrived = time.monotonic()
    client.disconnect()
    assert [c["seq"] for c in got] == seqs == [1, 2, 3]
    assert all("by" not in c for c in got)  # attendees are not told who made it
    assert arrived - committed < 3 * HEARTBEAT + 1


def test_published_and_unpublished_changes_arrive_once_and_in_order(app, monkeypatch):
    client = socketio.test_client(app, auth={"since": 0})
    client.get_received()
    seqs = flip(app, 2)  # published here
    with monkeypatch.context() as patch:
        patch.setattr(changes, "publish", lambda change: None)
        seqs += flip(app, 2, start=2)  # committed elsewhere
    seqs += flip(app, 2, start=4)  # published here: the two before it are read from the log first
    got = wait_for(client, 6)
    time.sleep(3 * HEARTBEAT)  # and nothing more comes with later beats
    got += changes_received(client)
    client.disconnect()
    assert [c["seq"] for c in got] == seqs == [1, 2, 3, 4, 5, 6]


def test_the_heartbeat_stops_reading_when_the_last_client_leaves(app, unpublished):
    manager = socketio.server.manager
    client = socketio.test_client(app, auth={"since": 0})
    assert manager.relayed == 0
    client.disconnect()
    time.sleep(3 * HEARTBEAT)
    assert manager.relayed is None and not manager._watching
    flip(app, 2)  # committed while nobody listens: a client that comes later catches up from since
    late = socketio.test_client(app, auth={"since": 0})
    assert [c["seq"] for c in changes_received(late)] == [1, 2]
    assert manager.relayed == 2
    late.disconnect()
