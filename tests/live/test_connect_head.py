"""A connecting client is brought to the head the relay knows, without reading it from the log, and
still ends with every change, in order, when changes arrive while it connects."""

import threading

import pytest
import sqlalchemy as sa

from tests.live.test_log_follower import flip
from webapp.extensions import db, socketio


@pytest.fixture
def app(make_app):
    """The app, its heartbeat too slow to read the log's head during a test: the reads counted are the
    connects'."""
    return make_app(EVENT_NOW="2023-11-29T10:30:00+09:00", SOCKETIO_HEARTBEAT=600)


@pytest.fixture
def head_reads(app):
    """Count the statements that read the change log's head."""
    with app.app_context():
        engine = db.engine
    counted = []

    def count(conn, cursor, statement, *args):
        if "log_head" in statement and statement.lstrip().upper().startswith("SELECT"):
            counted.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    yield counted
    sa.event.remove(engine, "before_cursor_execute", count)


class Page:
    """Applies what a client receives as static/js/socket.js does: a change once, in seq order; a gap
    asks for a sync; a catch-up's changes in order; a snapshot sets the seq."""

    def __init__(self, app, since: int) -> None:
        self.since, self.last, self.applied = since, since, []
        self.client = socketio.test_client(app, auth={"since": since, "batch": True})

    def read(self) -> None:
        for message in self.client.get_received():
            name, data = message["name"], message["args"][0]
            if name == "change":
                self.receive(data)
            elif name == "changes":
                all(self.receive(change) for change in data["changes"])
            elif name == "snapshot":
                self.last = data["seq"]

    def receive(self, change: dict) -> bool:
        if change["seq"] <= self.last:
            return True  # already applied
        if change["seq"] > self.last + 1:
            self.client.emit("sync", {"since": self.last})
            return False
        self.last = change["seq"]
        self.applied.append(self.last)
        return True


def test_a_connect_takes_the_head_from_the_relay_not_the_log(app, head_reads):
    flip(app, 3)
    first = socketio.test_client(app, auth={"since": 0})  # the first client: the relay reads the head
    assert [m["name"] for m in first.get_received()] == ["change", "change", "change", "synced"]
    head_reads.clear()
    later = [socketio.test_client(app, auth={"since": since, "batch": True}) for since in (3, 1, 3)]
    assert head_reads == []
    assert [m["args"][0] for m in later[0].get_received()] == [{"seq": 3}]
    assert [c["seq"] for c in later[1].get_received()[0]["args"][0]["changes"]] == [2, 3]
    flip(app, 1, start=3)  # published here: the relay knows the new head
    head_reads.clear()
    again = socketio.test_client(app, auth={"since": 3})
    assert [m["name"] for m in again.get_received()] == ["change", "synced"] and head_reads == []
    for client in (first, *later, again):
        client.disconnect()


def test_a_client_ahead_of_the_relay_is_brought_to_the_logs_head(app, monkeypatch, head_reads):
    first = socketio.test_client(app, auth={"since": 0})
    monkeypatch.setattr("webapp.live.changes.publish", lambda change: None)  # committed by another process
    flip(app, 2)
    head_reads.clear()
    ahead = socketio.test_client(app, auth={"since": 2})  # it saw them from that process
    assert ahead.get_received() == [{"name": "synced", "args": [{"seq": 2}], "namespace": "/"}]
    assert len(head_reads) == 1
    first.disconnect()
    ahead.disconnect()


def test_clients_connecting_while_changes_arrive_end_with_every_change_in_order(app):
    flip(app, 2)
    keeper = socketio.test_client(app, auth={"since": 0})  # the relay follows the log from here
    done = threading.Event()
    made: list[int] = []

    def staff():
        for i in range(40):
            made.extend(flip(app, 1, start=i))
        done.set()

    writer = threading.Thread(target=staff)
    writer.start()
    pages = []
    while not done.is_set():
        pages.append(Page(app, since=max(0, (made[-1] if made else 2) - len(pages) % 4)))
        for page in pages:
            page.read()
    writer.join()
    for _ in range(5):  # the last syncs' answers
        for page in pages:
            page.read()
    assert made == list(range(3, 43)) and len(pages) > 5
    for page in pages:
        assert page.applied == list(range(page.since + 1, 43))
        page.client.disconnect()
    keeper.disconnect()
