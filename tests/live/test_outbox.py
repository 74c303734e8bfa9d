"""What the server holds for a client is bounded: one that does not read is cut off, a reading one never is.

In-process, on engine.io's polling transport (a client that does not poll is a client that does not
read); the websocket and the gevent server are in test_slow_reader.py.
"""

import json
import logging
import queue
import time
import weakref
from datetime import UTC, datetime

import gevent.queue
import pytest
from engineio.packet import MESSAGE, Packet

from webapp.config import Config
from webapp.extensions import socketio
from webapp.live import outbox
from webapp.live.changes import apply_changes

NOW = datetime(2023, 11, 29, 1, 30, tzinfo=UTC)
# The largest announcement staff can post: 280 characters in each language, Korean the costliest.
LONGEST = {"kind": "announce", "text": {"ko": "가" * 280, "en": "x" * 280}, "expires_in_minutes": 60}
POLL = "/socket.io/?EIO=4&transport=polling"


class Polling:
    """A Socket.IO client on engine.io's polling transport, through the app's WSGI stack."""

    def __init__(self, app) -> None:
        self.http = app.test_client()
        opened = self.http.get(POLL).get_data(as_text=True)
        assert opened.startswith("0{"), opened
        self.sid = json.loads(opened[1:])["sid"]
        assert self.http.post(f"{POLL}&sid={self.sid}", data="40").status_code == 200

    @property
    def socket(self):
        """The server's engine.io socket for this client (None once it is gone)."""
        return socketio.server.eio.sockets.get(self.sid)

    def poll(self):
        """GET what waits for this client: (status, the seqs of the changes in it)."""
        response = self.http.get(f"{POLL}&sid={self.sid}")
        packets = response.get_data(as_text=True).split("\x1e")
        changes = [json.loads(p[2:])[1] for p in packets if p.startswith('42["change"')]
        return response.status_code, [c["seq"] for c in changes]


def post(app, items):
    """Apply changes as one bulk, as the schedule follower does; return their seqs."""
    with app.app_context():
        return [c.seq for c in apply_changes(items, by="alice", now=NOW)]


def wait_until(predicate, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def cut_off_lines(caplog, sid: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == outbox.log.name and sid in r.getMessage()]


@pytest.fixture
def small_app(make_app):
    """The app with room for about 15 of the longest announcements per client."""
    return make_app(EVENT_NOW=NOW.isoformat(), SOCKETIO_MAX_QUEUED=64 * 1024)


def test_a_client_that_does_not_read_is_cut_off_at_the_limit_and_others_are_not(small_app, caplog):
    caplog.set_level(logging.WARNING, logger=outbox.log.name)
    stuck, reader = Polling(small_app), Polling(small_app)
    stuck_socket, received, posted = stuck.socket, [], []
    for _ in range(40):
        posted += post(small_app, [LONGEST])
        assert stuck_socket.queue.held <= 64 * 1024  # never more than the limit held for it
        status, seqs = reader.poll()
        assert status == 200
        received += seqs
    assert wait_until(lambda: stuck_socket.closed and stuck.socket is None)
    assert list(stuck_socket.queue.queue) == [None]  # what waited was dropped; only the end is left
    assert stuck.poll()[0] == 400  # its session is over: a page reconnects and catches up
    assert received == posted  # the reading client got every change, in order
    assert reader.socket is not None and not reader.socket.closed
    assert len(cut_off_lines(caplog, stuck.sid)) == 1  # logged once, though 25 more changes came


def test_a_burst_of_300_changes_at_once_does_not_cut_off_a_reading_client(make_app, caplog):
    app = make_app(EVENT_NOW=NOW.isoformat())
    caplog.set_level(logging.WARNING, logger=outbox.log.name)
    client = Polling(app)
    # All queued before the client can read any: the worst a bulk import does to a healthy page.
    posted = post(app, [LONGEST] * 300)
    held = client.socket.queue.held
    status, seqs = client.poll()
    assert (status, seqs) == (200, posted)
    assert cut_off_lines(caplog, client.sid) == []
    assert held < Config().SOCKETIO_MAX_QUEUED / 4  # plenty of room left


def packet(size: int) -> Packet:
    return Packet(MESSAGE, data="x" * (size - outbox.PACKET_OVERHEAD))


class FakeSocket:
    """Stands in for engine.io's socket: records the hang-up the queue asks for."""

    def __init__(self, queue_class) -> None:
        self.queue = queue_class()
        self.server = self
        self.hang_ups = []

    def start_background_task(self, target, *args):
        self.hang_ups.append(args[1:])


@pytest.mark.parametrize(
    ("driver_queue", "threads"),
    [(queue.Queue, True), (gevent.queue.JoinableQueue, False)],
    ids=["threads", "gevent"],
)
def test_the_queue_counts_what_waits_and_what_is_being_written(driver_queue, threads):
    sock = FakeSocket(outbox.outbox_class(driver_queue, 10_000, threads))
    q = sock.queue
    q.owner = weakref.ref(sock)
    for _ in range(6):
        q.put(packet(1000))
    assert q.get() and q.get(block=False)  # the writer takes a batch of two out: still held while written
    for _ in range(3):
        q.put(packet(1000))
    assert q.held == 9000
    assert q.get()  # its next batch: the two before are written
    for _ in range(3):
        q.put(packet(1000))
    assert q.held == 10_000 and sock.hang_ups == []
    q.put(packet(1000))  # one too many
    assert sock.hang_ups == [(11_000, 10_000)]
    assert q.qsize() == 0  # everything that waited is dropped
    q.put(packet(1000))
    assert q.qsize() == 0 and len(sock.hang_ups) == 1  # and so is what follows; hung up once
    q.put(None)
    assert q.get() is None  # the end of the session still reaches the writer
