"""A websocket client's writer task runs only while it has something queued (transport.lazy_writers,
outbox.Writer): an idle client holds none, one that falls behind gets one and still receives everything
in order, and the end of the session still closes the connection once what was queued is written.

In-process, on gevent: engine.io's own Socket._websocket_handler over a websocket stand-in whose send
can be held back (a client not reading); the real server's websockets are in test_transport.py,
test_slow_reader.py and test_pings.py.
"""

import gc

import engineio
import engineio.socket
import gevent
import gevent.event
import gevent.queue
import pytest
from engineio.async_drivers.gevent import Thread
from engineio.packet import MESSAGE, Packet

from webapp import StartupError, create_app
from webapp.live import outbox, transport


class Stand_in:
    """A websocket: what the client sends waits in `incoming`; what it is sent lands in `sent`, unless
    `reading` is cleared (then send waits, as for a client that does not read)."""

    def __init__(self) -> None:
        self.incoming = gevent.queue.Queue()
        self.sent: list[str] = []
        self.reading = gevent.event.Event()
        self.reading.set()
        self.closed = False

    def wait(self):
        return self.incoming.get()

    def send(self, message):
        self.reading.wait()
        self.sent.append(message)

    def send_packet(self, pkt):
        self.send(pkt.encode())

    def close(self):
        self.closed = True


def writers() -> int:
    """Count the engine.io tasks alive (a websocket's writer is one; the connection's task is not)."""
    gevent.sleep(0.01)
    return sum(1 for o in gc.get_objects() if isinstance(o, Thread) and not o.dead)


def connect(limit: int = 10**6, end=None):
    """Open a websocket session on an engine.io server with the lazy writers; return it and its socket."""
    eio = engineio.Server(async_mode="gevent")
    transport.lazy_writers(eio, Stand_in)
    sock = engineio.socket.Socket(eio, "sid")
    sock.queue = outbox.outbox_class(gevent.queue.JoinableQueue, limit, end=end)()
    sock.queue.owner = lambda: sock
    ws = Stand_in()
    task = gevent.spawn(sock._websocket_handler, ws)
    gevent.sleep(0.01)
    return sock, ws, task


def message(n: int) -> Packet:
    return Packet(MESSAGE, f"change {n}")


def test_an_idle_websocket_client_holds_no_writer_task():
    before = writers()
    sock, ws, task = connect()
    try:
        assert sock.upgraded and not sock.closed
        assert writers() == before  # engine.io's writer would wait on the empty queue for good
        sock.send(message(1))
        assert writers() == before  # written, and the task ended with the queue empty
        assert ws.sent == ["4change 1"]
        assert sock.queue.held == 0  # nothing counted as queued: a broadcast is written directly again
    finally:
        ws.incoming.put(None)
        task.join(timeout=5)


def queues() -> int:
    """Count gevent's queues alive (an engine.io client's outbox makes one while something waits)."""
    gevent.sleep(0.01)
    return sum(1 for o in gc.get_objects() if type(o) is gevent.queue.Queue)


def test_an_idle_websocket_client_holds_no_queue_and_one_behind_gets_one_in_order():
    sock, ws, task = connect()
    before = queues()  # the stand-in's own, for what the client sends
    try:
        sock.send(message(1))
        assert queues() == before  # written, and its empty queue let go (gevent's: about 2.8 KiB)
        ws.reading.clear()  # the client stops reading: what follows waits in a queue
        for n in range(2, 50):
            sock.send(message(n))
        assert queues() == before + 1 and sock.queue.qsize() == 47  # one being written, the rest wait
        ws.reading.set()
        gevent.sleep(0.05)
        assert ws.sent == [f"4change {n}" for n in range(1, 50)]
        assert queues() == before and sock.queue.held == 0
    finally:
        ws.incoming.put(None)
        task.join(timeout=5)


def test_a_client_that_falls_behind_gets_a_writer_and_everything_in_order():
    before = writers()
    sock, ws, task = connect()
    try:
        ws.reading.clear()  # the client stops reading
        for n in range(200):
            sock.send(message(n))
        assert writers() == before + 1  # one task, waiting in send
        assert sock.queue.held > 0  # a broadcast would queue behind it, not be written in between
        ws.reading.set()
        gevent.sleep(0.05)
        assert ws.sent == [f"4change {n}" for n in range(200)]
        assert writers() == before and sock.queue.held == 0
        sock.send(message(200))  # and again, once caught up
        assert writers() == before and ws.sent[-1] == "4change 200"
    finally:
        ws.incoming.put(None)
        task.join(timeout=5)


def test_the_end_of_a_session_writes_what_is_queued_then_closes_and_the_connection_ends():
    sock, ws, task = connect()
    ws.reading.clear()
    for n in range(3):
        sock.send(message(n))
    sock.close(wait=False)  # the server ends the session: a close packet, then the end
    assert not ws.closed
    ws.reading.set()
    gevent.sleep(0.05)
    assert ws.sent == ["4change 0", "4change 1", "4change 2", "1"]
    assert ws.closed
    sock.queue.put(message(9))  # queued after the end: never written
    ws.incoming.put(None)  # the client's side ends too
    assert task.join(timeout=5) is None and task.dead
    assert ws.sent[-1] == "1"


def test_a_client_that_falls_behind_past_its_outbox_bound_is_cut_off():
    ended = []
    sock, ws, task = connect(limit=2000, end=ended.append)
    try:
        ws.reading.clear()
        sock.send(message(0))
        gevent.sleep(0.01)  # the writer takes it out and waits in send
        for n in range(1, 20):
            sock.send(message(n))
        gevent.sleep(0.05)
        assert ended == [sock]  # outbox.hang_up ran: 20 packets are over the bound
        ws.reading.set()
        gevent.sleep(0.05)
        assert ws.sent == ["4change 0"]  # the one being written when it overflowed; what waited is dropped
    finally:
        ws.incoming.put(None)
        task.join(timeout=5)


def test_start_up_is_refused_when_engineio_has_no_writer_to_replace(monkeypatch, tmp_path):
    def handler_without_writer(self, ws):  # as if an upgrade had moved engine.io's writer elsewhere
        return []

    monkeypatch.setattr(engineio.socket.Socket, "_websocket_handler", handler_without_writer)
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"})
    assert str(refused.value) == (
        "engineio.socket.Socket._websocket_handler has no writer() over self and ws, and webapp.live "
        "replaces it (lazy_writers): install the versions pinned in requirements.txt."
    )
