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

webapp.live.transport.install gives engine.io this queue class, and the way to end a session (`end`).
"""

import contextlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
# What a queued packet costs besides its text: the packet object and its slot in the queue.
PACKET_OVERHEAD = 256


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
    """A client's queue, over the async driver's queue class, holding at most `limit` bytes."""

    limit = 0  # set per server by outbox_class
    end: Callable | None = None  # ends a client's session and resets its connection (outbox_class)
    # Greenlets do not switch inside the bookkeeping, threads can (a lock costs 0.7 us a packet).
    lock_class: type = contextlib.nullcontext

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.held = 0  # bytes waiting, plus the batch taken out and still being written
        self.taken = 0  # bytes of that batch
        self.overflowed = False
        self.owner = None  # a weak reference to the engine.io socket, once it is connected
        self.transport = None  # its websocket, while it has one
        self._lock = self.lock_class()

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
        super().put(item, block, timeout)

    def get(self, block=True, timeout=None):
        """Take a packet out; a blocking get starts a new batch, so the one before has been written."""
        if block:
            with self._lock:
                self.held -= self.taken
                self.taken = 0
        item = super().get(block, timeout)
        if item is not None:
            with self._lock:
                self.taken += packet_bytes(item)
        return item

    def _overflow(self, cost: int) -> None:
        self.overflowed = True
        held, self.held = self.held, self.taken
        ended = False
        while self.qsize():
            try:
                ended = super().get(block=False) is None or ended
            except Exception:  # taken by the writer meanwhile (threads only)
                break
            self.task_done()
        if ended:
            super().put(None)
        owner = self.owner() if self.owner is not None else None
        if owner is not None:
            owner.server.start_background_task(hang_up, owner, held + cost, self.limit)


def outbox_class(queue_class: type, limit: int, threads: bool = False, end: Callable | None = None) -> type:
    """Return the driver's queue class with the Outbox bound of `limit` bytes (locked, for threads);
    `end(sock)` ends the session of a client cut off."""
    lock_class = threading.Lock if threads else contextlib.nullcontext
    attributes = {"limit": limit, "lock_class": lock_class, "end": staticmethod(end) if end else None}
    return type("Outbox", (Outbox, queue_class), attributes)


def hang_up(sock, wanted: int, limit: int) -> None:
    """Say why a client is cut off, then end its session; it reconnects and catches up."""
    log.warning(
        "disconnecting connection %s: it is not reading what it is sent (%d bytes would wait for it, "
        "the limit is %d); it can reconnect and catch up from the change log",
        sock.sid, wanted, limit,
    )  # fmt: skip
    if sock.queue.end is not None:
        sock.queue.end(sock)
