"""Bound what the server holds for a client that does not read: past SOCKETIO_MAX_QUEUED it is cut off.

engine.io (4.15) queues every packet for a client in an unbounded queue (the gevent driver's
JoinableQueue), and for a websocket a writer greenlet takes them out and writes them. When the client
stops reading, its TCP window closes, the writer blocks in send, and the queue grows with every change,
ping and catch-up reply for as long as the client answers pings, which it can do without reading. A
polling client's queue grows until it polls. Emitting never waits for a client (an unbounded put returns
at once), so a stuck client slows nobody else: it costs memory, without bound.

So each client's queue counts what the server holds for it, in bytes (UTF-8, plus PACKET_OVERHEAD a
packet): what waits, and the batch taken out and still being written (engine.io's writer takes a batch
with one blocking get and the rest without blocking, so its next blocking get means that batch was
written). A packet that would take it past the limit is dropped with all that waits; the client's
session is closed and its websocket reset, logged once. The page reconnects with its last seq and is
sent what it missed from the change log (static/js/socket.js), losing nothing.

A websocket client on gevent has no task waiting on its queue: a Writer is started when something is
queued, writes until the queue is empty, and ends (see Writer).

webapp.live.transport.install gives engine.io this queue class, and the way to end a session (`end`).
"""

import contextlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
# What a queued packet costs besides its text: the packet object and its slot in the queue.
PACKET_OVERHEAD = 256
EMPTY = object()  # what Outbox.take returns when nothing waits


def packet_bytes(pkt) -> int:
    """Return what a queued engine.io packet costs: its data in UTF-8 plus PACKET_OVERHEAD."""
    size = getattr(pkt, "queued_bytes", None)
    if size is None:
        data = pkt.data
        if isinstance(data, str):
            size = len(data.encode("utf-8", "surrogatepass"))
        elif isinstance(data, bytes | bytearray):
            size = len(data)
        else:  # the open packet's dict
            size = 0
        size += PACKET_OVERHEAD
        # A broadcast is one packet queued for every client (python-socketio's emit): measured once.
        pkt.queued_bytes = size
    return size


class Outbox:
    """A client's queue, over the async driver's queue class, holding at most `limit` bytes.

    The driver's queue is made only while something waits in it: gevent's (26.9) is about 2.8 KiB (a
    deque for what waits, two for who waits, an event; bench/per_client.py), and an idle websocket
    client's is empty nearly all its life, since a broadcast to it is written directly. A Writer drops
    it when it finds it empty (take); a put makes another.
    """

    __slots__ = ("_lock", "_queue", "_waiting", "held", "overflowed", "owner", "taken", "transport", "writer")
    limit = 0  # set per server by outbox_class
    queue_class: type = None  # the driver's queue (outbox_class)
    end: Callable | None = None  # ends a client's session and resets its connection (outbox_class)
    # Greenlets do not switch inside the bookkeeping, threads can (a lock costs 0.7 us a packet).
    lock_class: type = contextlib.nullcontext

    def __init__(self) -> None:
        self.held = 0  # bytes waiting, plus the batch taken out and still being written
        self.taken = 0  # bytes of that batch
        self.overflowed = False
        self.owner = None  # a weak reference to the engine.io socket, once it is connected
        self.transport = None  # its websocket, while it has one
        self.writer: Writer | None = None  # writes it while it has something, once it is a websocket's
        self._lock = self.lock_class()
        self._queue = None  # the driver's queue, while it is needed
        self._waiting = 0  # gets blocked on it (a poll): it is kept while any waits

    @property
    def queue(self):
        """What waits, oldest first (the driver queue's own deque)."""
        return self._queue.queue if self._queue is not None else ()

    def _made(self):
        if self._queue is None:
            self._queue = self.queue_class()
        return self._queue

    def qsize(self) -> int:
        """Return how many packets wait."""
        return self._queue.qsize() if self._queue is not None else 0

    def empty(self) -> bool:
        """Tell whether nothing waits."""
        return not self.qsize()

    def put(self, item, block=True, timeout=None):
        """Queue a packet, or drop everything and cut the client off when it would hold too much."""
        if item is not None:  # None ends a poll or the writer: it always goes through
            with self._lock:
                if self.overflowed:
                    return
                cost = packet_bytes(item)
                if self.held + cost > self.limit:
                    self._overflow(cost)
                    return
                self.held += cost
        self._made().put(item, block, timeout)
        if self.writer is not None:
            self.writer.wake()

    def get(self, block=True, timeout=None):
        """Take a packet out; a blocking get starts a new batch, so the one before has been written."""
        if block:
            with self._lock:
                self.held -= self.taken
                self.taken = 0
        queue = self._made()
        self._waiting += 1
        try:
            item = queue.get(block, timeout)
        finally:
            self._waiting -= 1
        if item is not None:
            with self._lock:
                self.taken += packet_bytes(item)
        return item

    def task_done(self) -> None:
        """Mark a packet taken out as handled (for join)."""
        if self._queue is not None:
            self._queue.task_done()

    def join(self) -> None:
        """Wait until every packet put has been taken out and handled."""
        if self._queue is not None:
            self._queue.join()

    def take(self):
        """Take the next packet out without waiting, for a Writer (EMPTY when nothing waits); the one it
        took before has been written. What it takes is held until the next take. Finding nothing, it
        lets the driver's queue go (unless a get waits on it or a packet is not yet handled)."""
        queue = self._queue
        with self._lock:
            self.held -= self.taken
            self.taken = 0
            if queue is None or not queue.qsize():
                if queue is not None and not self._waiting and not queue.unfinished_tasks:
                    self._queue = None
                return EMPTY
        item = queue.get(block=False)
        queue.task_done()
        if item is not None:
            with self._lock:
                self.taken = packet_bytes(item)
        return item

    def _overflow(self, cost: int) -> None:
        self.overflowed = True
        held, self.held = self.held, self.taken
        ended = False
        queue = self._queue
        while queue is not None and queue.qsize():
            try:
                ended = queue.get(block=False) is None or ended
            except Exception:  # taken by the writer meanwhile (threads only)
                break
            queue.task_done()
        if ended:
            self._made().put(None)
        owner = self.owner() if self.owner is not None else None
        if owner is not None:
            owner.server.start_background_task(hang_up, owner, held + cost, self.limit)


class Writer:
    """Writes a client's queue in a task of its own that runs only while something is queued.

    engine.io (4.15) gives every websocket a writer task for its whole life, nearly always waiting on an
    empty queue (its stack and frames: about 6 KiB, and a greenlet's data stack, per idle client), since
    a broadcast to a client with nothing queued is written at once (transport.broadcast). Here a put
    starts the task (wake) when none runs; it takes packets out one by one (Outbox.take, so what is being
    written stays counted, and a broadcast queues behind it), writes each with send(packet), and ends
    when it finds the queue empty, in the same step, so a put after it starts another. None (the end of
    the session) or a failed send ends it for good, as engine.io's writer ended: it calls close() and no
    task is started again. For greenlets only: nothing switches between finding the queue empty and
    saying so.
    """

    __slots__ = ("close", "ended", "queue", "send", "spawn", "task")

    def __init__(self, queue: Outbox, send: Callable, close: Callable, spawn: Callable) -> None:
        self.queue = queue
        self.send = send  # writes one packet, waiting as long as the client takes
        self.close = close  # closes the connection once the session has ended
        self.spawn = spawn  # starts a task: spawn(function) -> an object with join()
        self.task = None  # the running task, if any
        self.ended = False
        with queue._lock:  # a poll's batch before the upgrade has been handed over
            queue.held -= queue.taken
            queue.taken = 0
        queue.writer = self
        if queue.qsize():
            self.wake()

    def wake(self) -> None:
        """Start the task, unless it runs or has ended."""
        if self.task is None and not self.ended:
            self.task = self.spawn(self.run)

    def run(self) -> None:
        """Write what is queued, in order, until nothing is (or the session ends)."""
        try:
            while True:
                pkt = self.queue.take()
                if pkt is EMPTY:
                    return
                if pkt is None:
                    break
                try:
                    self.send(pkt)
                except Exception:  # the connection is gone, as engine.io's writer takes it
                    break
            self.ended = True
            self.close()
        finally:
            self.task = None

    def join(self) -> None:
        """Wait until no task runs (engine.io waits for its writer when the connection ends)."""
        while (task := self.task) is not None:
            task.join()


def outbox_class(queue_class: type, limit: int, threads: bool = False, end: Callable | None = None) -> type:
    """Return an Outbox class over the driver's queue class, bound to `limit` bytes (locked, for threads);
    `end(sock)` ends the session of a client cut off."""
    lock_class = threading.Lock if threads else contextlib.nullcontext
    attributes = {"limit": limit, "queue_class": queue_class, "lock_class": lock_class, "__slots__": ()}
    attributes["end"] = staticmethod(end) if end else None
    return type("Outbox", (Outbox,), attributes)


def hang_up(sock, wanted: int, limit: int) -> None:
    """Say why a client is cut off, then end its session; it reconnects and catches up."""
    log.warning(
        "disconnecting connection %s: it is not reading what it is sent (%d bytes would wait for it, "
        "the limit is %d); it can reconnect and catch up from the change log",
        sock.sid, wanted, limit,
    )  # fmt: skip
    if sock.queue.end is not None:
        sock.queue.end(sock)
