"""Drop what a client sends that this app does not read, before it costs anything, counting it per connection.

Everything a client sends is counted against its connection (webapp.live.clients.ClientBook, by engine.io
sid), logged once per kind and summed up when it leaves; nothing it sends resets that.

- A text frame that is not an engine.io packet (empty, or not starting with a packet type) made engine.io
  raise out of its read loop (engineio/socket.py, 4.15: `Packet(encoded_packet=p)` is outside its try):
  a 45-line traceback per frame. It is counted and skipped.
- A connection's reader yields to the other greenlets before each read, and stops reading while
  MAX_UNREAD of its messages wait to be handled: simple-websocket's reader (simple_websocket/ws.py,
  1.1: Base._thread) reads whatever arrives into an unbounded list without ever yielding while data is
  there, so one flooding socket held the whole process and hundreds of MiB.
- Binary frames and binary packets (whose attachments python-socketio would keep until all arrived) are
  dropped before they are decoded; attendees never send binary. What python-socketio cannot decode is
  counted, not logged with a traceback (engineio/server.py logs one per packet).
- Events: only the names in `events` (the ones a page sends) are dispatched, each after its check (a
  sync's budget); every other name, `connect` and `disconnect` included, is an unknown event. A client's
  `42["disconnect"]` used to run the disconnect handler, which forgot the client's budget.
"""

import logging
import time
from collections.abc import Callable

from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from webapp.live.clients import Bucket, ClientBook, shown

log = logging.getLogger(__name__)
# Socket.IO packet types with binary attachments (socketio/packet.py: BINARY_EVENT, BINARY_ACK).
BINARY_TYPES = ("5", "6")
# Engine.IO packet types a client may send as text (engineio/packet.py: OPEN .. NOOP).
EIO_TYPES = "0123456"
# Messages read from one connection and not yet handled, beyond which its reader waits.
MAX_UNREAD = 16
UNREAD_WAIT = 0.005
# Bytes read from a connection at a time, at most: the others' turn comes between two reads, so one
# flooding socket holds the process for a millisecond or two at a time, not for as long as it sends.
READ_SIZE = 1024
# Bytes a second read from one connection, and at once (the burst holds a page's whole life of
# packets, and a few thousand junk ones to count). A page sends a few hundred bytes a minute (pongs, a
# sync after a gap); beyond this a sender waits in the kernel's buffers, costing the process nothing.
READ_RATE = 2 * 1024
READ_BURST = 160 * 1024
# The same for all connections together: many flooding sockets cannot add up to a stall either.
READ_RATE_ALL = 128 * 1024
READ_BURST_ALL = 512 * 1024
# An address whose connection was cut off for abuse starts its next connections, for a while, with
# this burst: enough for a page's handshake (under 100 bytes), not for another flood at once.
SUSPECT_BURST = 1024
SUSPECT_SECONDS = 60.0
# The smallest read worth waking for.
MIN_READ = 512
_suspects: dict[str, float] = {}  # address -> until when (time.monotonic())


def suspect(address: str | None) -> None:
    """Start the next connections from address with a small burst, for SUSPECT_SECONDS."""
    if address:
        now = time.monotonic()
        for other in [a for a, until in _suspects.items() if until < now]:
            del _suspects[other]
        _suspects[address] = now + SUSPECT_SECONDS


def _burst_for(address: str | None) -> float:
    until = _suspects.get(address) if address else None
    return SUSPECT_BURST if until is not None and until > time.monotonic() else READ_BURST


class PacketGuard:
    """Wrap a Socket.IO server's engine.io handlers and its event dispatch."""

    def __init__(self, server, book: ClientBook, events: dict[str, Callable[..., bool]]) -> None:
        self.server, self.book, self.events = server, book, events
        self.handle_connect = server.eio.handlers["connect"]
        self.handle_message = server._handle_eio_message
        self.handle_disconnect = server._handle_eio_disconnect
        self.handle_event = server._handle_event

    def connect(self, eio_sid: str, *args):
        """Start counting a new connection, then let python-socketio see it."""
        self.book.connect(eio_sid)
        return self.handle_connect(eio_sid, *args)

    def message(self, eio_sid: str, data) -> None:
        """Pass a readable text packet on to python-socketio; drop and count anything else."""
        if eio_sid not in self.server.eio.sockets:
            return  # a connection being closed (it was hung up): nothing it still sends is read
        if not isinstance(data, str):
            self.book.ignore(eio_sid, "binary frame", f"a binary frame of {len(data)} bytes")
            return
        if data[:1] in BINARY_TYPES:
            self.book.ignore(eio_sid, "binary packet", f"a binary packet {shown(data)}")
            return
        try:
            self.handle_message(eio_sid, data)
        except Exception as exc:  # what python-socketio cannot decode or does not expect
            self.book.ignore(eio_sid, "malformed packet", f"a malformed packet {shown(data)} ({exc})")

    def event(self, eio_sid: str, namespace, ident, data) -> None:
        """Dispatch an event the app reads, once its check lets it through; count any other."""
        name = data[0] if isinstance(data, list) and data else None
        check = self.events.get(name) if isinstance(name, str) else None
        if check is None:
            self.book.ignore(eio_sid, "unknown event", f"socket event {shown(name)}")
        elif check(eio_sid, *data[1:]):
            self.handle_event(eio_sid, namespace, ident, data)

    def disconnect(self, eio_sid: str, *reason) -> None:
        """Let python-socketio end the client's namespaces, then say what was ignored from it."""
        try:
            self.handle_disconnect(eio_sid, *reason)
        finally:
            self.book.forget(eio_sid)


class Paced:
    """A websocket's connection whose reads yield first, keep within the read budgets, and wait while
    too much is unread."""

    all_connections = Bucket(READ_RATE_ALL, READ_BURST_ALL)  # one per process

    def __init__(self, raw, ws, sleep: Callable[[float], None], burst: float = READ_BURST) -> None:
        self.raw, self.ws, self.sleep = raw, ws, sleep
        self.budget = Bucket(READ_RATE, burst)

    def recv(self, size: int, *flags):
        """Read at most size bytes, after the other greenlets had their turn and within the budgets."""
        self.sleep(0)
        while self.ws.connected:
            now = time.monotonic()
            allowed = min(self.budget.available(now), self.all_connections.available(now))
            if allowed >= MIN_READ and len(self.ws.input_buffer) < MAX_UNREAD:
                break
            self.sleep(
                max(
                    UNREAD_WAIT,
                    self.budget.wait_for(MIN_READ, now),
                    self.all_connections.wait_for(MIN_READ, now),
                )
            )
        else:
            allowed = size
        data = self.raw.recv(min(size, READ_SIZE, max(MIN_READ, int(allowed))), *flags)
        now = time.monotonic()
        self.budget.spend(len(data), now)
        self.all_connections.spend(len(data), now)
        return data

    def __getattr__(self, name):
        return getattr(self.raw, name)


def _guarded(websocket_class: type, book: ClientBook) -> type:
    """Return engine.io's websocket class: message size bounded, reads paced, non-packets skipped."""

    class Guarded(websocket_class):
        def __init__(self, handler, server, **kwargs):
            # engine.io passes its socket's own _websocket_handler (engineio/socket.py, 4.15), or the
            # outbox's websocket class its wrapper of it.
            owner = getattr(handler, "__self__", None) or getattr(handler, "owner", None)
            self.eio_sid = getattr(owner, "sid", None)

            def run(ws):
                # Called once simple-websocket has shaken hands, before its reader's first read.
                burst = _burst_for(ws.ws.environ.get("REMOTE_ADDR"))
                ws.ws.sock = Paced(ws.ws.sock, ws.ws, server.sleep, burst)
                return handler(ws)

            super().__init__(run, server, **kwargs)
            # engine.io checks a message's size only once it has all arrived and does not pass
            # max_message_size to simple-websocket (engineio/async_drivers/gevent.py, 4.15), so a
            # client could make the server buffer one message without bound; simple-websocket stops
            # reading and closes with 1009 as soon as a message grows past the limit.
            self.server_args["max_message_size"] = server.max_http_buffer_size

        def wait(self):
            """Return the next message that engine.io can decode (or None when the connection ends)."""
            while True:
                data = super().wait()
                if not isinstance(data, str) or (data[:1] in EIO_TYPES and data[:1]):
                    return data
                book.ignore(self.eio_sid, "not an engine.io packet", f"a text frame {shown(data)}")

    return Guarded


def init_server(server, book: ClientBook, events: dict[str, Callable[..., bool]]) -> None:
    """Put the guard between engine.io and python-socketio, and around python-socketio's event dispatch."""
    guard = PacketGuard(server, book, events)
    server.eio.on("connect", guard.connect)
    server.eio.on("message", guard.message)
    server.eio.on("disconnect", guard.disconnect)
    server._handle_event = guard.event  # python-socketio 5.18: every EVENT packet goes through it
    websocket_class = server.eio._async.get("websocket")
    if isinstance(websocket_class, type) and issubclass(websocket_class, SimpleWebSocketWSGI):
        # A copy: the drivers' dict is shared by every server of the process.
        server.eio._async = {**server.eio._async, "websocket": _guarded(websocket_class, book)}
