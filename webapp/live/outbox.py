"""Bound what the server holds for a client that does not read: past SOCKETIO_MAX_QUEUED it is cut off.

engine.io queues every packet for a client in an unbounded queue (engineio/socket.py:77; the gevent
driver's JoinableQueue, engineio/async_drivers/gevent.py:78), and for a websocket a writer greenlet takes
them out and writes them (socket.py:202-216). When the client stops reading, its TCP window closes, the
writer blocks in send, and the queue grows with every change, ping and catch-up reply for as long as the
client answers pings, which it can do without reading. A polling client's queue grows until it polls.
Emitting never waits for a client (an unbounded put returns at once, gevent/queue.py:312-318), so a stuck
client slows nobody else: it costs memory, without bound.

So each client's queue counts what the server holds for it, in bytes (UTF-8, plus PACKET_OVERHEAD a
packet): what waits, and the batch taken out and still being written (the next blocking get means that
batch was written: socket.py:16, :206). A packet that would take it past the limit is dropped with all
that waits; the client's session is closed and its websocket reset, logged once. The page reconnects
with its last seq and is sent what it missed from the change log (static/js/live.js), losing nothing.

simple-websocket also ignores how much of a frame its socket's send() wrote (simple_websocket/ws.py:83,
:119, :152, :244), and gevent's send() writes only what fits when the send buffer is nearly full
(gevent/_socketcommon.py:712-728): a client reading slowly got truncated frames, a corrupt stream. Its
socket is given a send() that writes everything.
"""

import contextlib
import logging
import socket
import struct
import threading
import weakref

from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

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
        # A broadcast is one packet queued for every client (socketio/manager.py:40-50): measured once.
        pkt.queued_bytes = size
    return size


class Outbox:
    """A client's queue, over the async driver's queue class, holding at most `limit` bytes."""

    limit = 0  # set per server by outbox_class
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


def outbox_class(queue_class: type, limit: int, threads: bool = False) -> type:
    """Return the driver's queue class with the Outbox bound of `limit` bytes (locked, for threads)."""
    lock_class = threading.Lock if threads else contextlib.nullcontext
    return type("Outbox", (Outbox, queue_class), {"limit": limit, "lock_class": lock_class})


def hang_up(sock, wanted: int, limit: int) -> None:
    """Close a client's engine.io session and reset its websocket; it reconnects and catches up."""
    log.warning(
        "disconnecting connection %s: it is not reading what it is sent (%d bytes would wait for it, "
        "the limit is %d); it can reconnect and catch up from the change log",
        sock.sid, wanted, limit,
    )  # fmt: skip
    transport = sock.queue.transport
    # abort: no close packet, which would only queue behind what it does not read (socket.py:117-128).
    end_session(sock, abort=True)
    if transport is not None:
        transport.abort()


def end_session(sock, abort: bool = False) -> None:
    """End a client's engine.io session at once, as eio.disconnect() does, without waiting for it.

    eio.disconnect() waits until the client has read everything queued (engineio/socket.py:129-130):
    for a client that does not read, that is forever.
    """
    sock.close(wait=False, abort=abort, reason=sock.server.reason.SERVER_DISCONNECT)
    sock.server.sockets.pop(sock.sid, None)


class WholeSends:
    """A connection whose send() writes everything it is given, as simple-websocket expects."""

    def __init__(self, raw) -> None:
        self.raw = raw

    def send(self, data, flags=0) -> int:
        """Write all of data, waiting for the client as long as it takes."""
        self.raw.sendall(data, flags)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


def _outgoing(websocket_class: type) -> type:
    """Return engine.io's websocket class with whole sends and a way to reset the connection."""

    class Outgoing(websocket_class):
        """engine.io's websocket, writing whole frames and known to its client's Outbox."""

        def __init__(self, handler, server, **kwargs):
            # engine.io passes its socket's own _websocket_handler (engineio/socket.py:151-152).
            owner = getattr(handler, "__self__", None)

            def run(ws):
                # Called once simple-websocket has shaken hands (engineio/async_drivers/_websocket_wsgi.py:14-15).
                ws.ws.sock = WholeSends(ws.ws.sock)
                queue = getattr(owner, "queue", None)
                if isinstance(queue, Outbox):
                    queue.transport = ws
                try:
                    return handler(ws)
                finally:
                    if isinstance(queue, Outbox):
                        queue.transport = None

            run.owner = owner  # for the packet guard's websocket class, which this one wraps
            super().__init__(run, server, **kwargs)

        def abort(self) -> None:
            """Reset the connection: its reader and writer wake, and the kernel drops what it holds for it."""
            ws = self.ws
            ws.connected = False  # the writer's close() then sends no close frame (_websocket_wsgi.py:22-24)
            try:
                ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                ws.sock.shutdown(socket.SHUT_RDWR)  # closed (with a reset) by simple-websocket's reader
            except OSError:
                pass

    return Outgoing


def init_server(server, limit: int) -> None:
    """Give a Socket.IO server's engine.io bounded client queues and resettable websockets."""
    eio = server.eio
    threads = eio.async_mode == "threading"
    drivers = {**eio._async, "queue": outbox_class(eio._async["queue"], limit, threads)}
    websocket_class = drivers.get("websocket")
    if isinstance(websocket_class, type) and issubclass(websocket_class, SimpleWebSocketWSGI):
        drivers["websocket"] = _outgoing(websocket_class)
    eio._async = drivers  # a copy: the drivers' dict is shared by every server of the process
    connect = eio.handlers["connect"]  # python-socketio's (socketio/base_server.py:35)

    def on_connect(eio_sid, *args):
        # The socket is registered before its connect event (engineio/server.py:417-434).
        sock = eio.sockets.get(eio_sid)
        if sock is not None and isinstance(sock.queue, Outbox):
            sock.queue.owner = weakref.ref(sock)
        return connect(eio_sid, *args)

    eio.on("connect", on_connect)
    disconnect = eio.handlers["disconnect"]  # the packet guard's (webapp/live/guard.py)

    def on_disconnect(eio_sid, reason=None, *args):
        # A client gone quiet is closed with a CLOSE packet (engineio/socket.py:58-69), queued behind
        # whatever it stopped reading: the writer stays blocked in send and the connection open for
        # good, holding up to the kernel's send buffer (tcp_wmem: 4 MB). Reset it instead.
        try:
            return disconnect(eio_sid, reason, *args)
        finally:
            sock = eio.sockets.get(eio_sid) if reason == eio.reason.PING_TIMEOUT else None
            transport = sock.queue.transport if sock is not None and isinstance(sock.queue, Outbox) else None
            if transport is not None:
                log.info("connection %s answered no ping: resetting it", eio_sid)
                transport.abort()

    eio.on("disconnect", on_disconnect)
