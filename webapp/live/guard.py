"""Drop what a client sends that this app does not read, before it costs anything, counting it per connection.

Everything a client sends is counted against its connection (webapp.live.clients.ClientBook, by engine.io
sid), logged once per kind and summed up when it leaves; nothing it sends resets that.

- A text frame that is not an engine.io packet (empty, or not starting with a packet type) made engine.io
  raise out of its read loop (python-engineio 4.15): a 45-line traceback per frame. It is counted and
  skipped.
- A connection's reader yields to the other greenlets before each read, and stops reading while
  MAX_UNREAD of its messages wait to be handled: simple-websocket's reader (1.1) reads whatever arrives
  into an unbounded list without ever yielding while data is there, so one flooding socket held the
  whole process and hundreds of MiB.
- Binary frames and binary packets (whose attachments python-socketio would keep until all arrived) are
  dropped before they are decoded; attendees never send binary. What python-socketio cannot decode is
  counted, not logged with a traceback (python-engineio logs one per packet).
- Events: only the names in `events` (the ones a page sends) are dispatched, each after its check (a
  sync's budget); every other name, `connect` and `disconnect` included, is an unknown event. A client's
  `42["disconnect"]` used to run the disconnect handler, which forgot the client's budget.

The rules are here; webapp.live.transport puts them between the libraries (install()).
"""

import logging
import time
from collections.abc import Callable

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


def burst_for(address: str | None) -> float:
    """Return the read burst a new connection from address starts with."""
    until = _suspects.get(address) if address else None
    return SUSPECT_BURST if until is not None and until > time.monotonic() else READ_BURST


def is_packet(data) -> bool:
    """Tell whether a websocket message can be read as an engine.io packet (binary data always can)."""
    return not isinstance(data, str) or (data[:1] in EIO_TYPES and data[:1] != "")


class PacketGuard:
    """Stand between engine.io's handlers and python-socketio's, and before python-socketio's event dispatch.

    connected(eio_sid) tells whether a connection is still open; the handle_* are python-socketio's own
    (webapp.live.transport.install finds them).
    """

    def __init__(
        self,
        book: ClientBook,
        events: dict[str, Callable[..., bool]],
        *,
        connected: Callable[[str], bool],
        handle_connect: Callable,
        handle_message: Callable,
        handle_disconnect: Callable,
        handle_event: Callable,
    ) -> None:
        self.book, self.events, self.connected = book, events, connected
        self.handle_connect, self.handle_message = handle_connect, handle_message
        self.handle_disconnect, self.handle_event = handle_disconnect, handle_event

    def connect(self, eio_sid: str, *args):
        """Start counting a new connection, then let python-socketio see it."""
        self.book.connect(eio_sid)
        return self.handle_connect(eio_sid, *args)

    def message(self, eio_sid: str, data) -> None:
        """Pass a readable text packet on to python-socketio; drop and count anything else."""
        if not self.connected(eio_sid):
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
    too much is unread.

    websocket.is_open() tells whether the websocket is still open, websocket.unread() how many of its
    messages wait to be handled (asked of the websocket, not of two closures kept per client: about
    0.4 KiB); sleep is the async driver's.
    """

    __slots__ = ("budget", "raw", "sleep", "websocket")
    all_connections = Bucket(READ_RATE_ALL, READ_BURST_ALL)  # one per process

    def __init__(self, raw, *, websocket, sleep: Callable[[float], None], burst: float = READ_BURST) -> None:
        self.raw, self.websocket, self.sleep = raw, websocket, sleep
        self.budget = Bucket(READ_RATE, burst)

    def recv(self, size: int, *flags):
        """Read at most size bytes, after the other greenlets had their turn and within the budgets."""
        self.sleep(0)
        while self.websocket.is_open():
            now = time.monotonic()
            allowed = min(self.budget.available(now), self.all_connections.available(now))
            if allowed >= MIN_READ and self.websocket.unread() < MAX_UNREAD:
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
