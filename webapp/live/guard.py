"""Drop what a client sends that is not a Socket.IO packet this app reads, logging it once per client.

python-socketio decodes each engine.io message itself (socketio/server.py:666) and raises on one it
cannot read (bad JSON, a binary frame, an unexpected binary or CONNECT_ERROR packet: :684-689);
engine.io then logs the full traceback, once per packet (engineio/server.py:486-487). Attendees never
send binary, so binary frames and binary packets (whose attachments python-socketio would keep until
all arrived, :680-684) are dropped here before they are decoded.
"""

import logging
from collections import Counter

from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from webapp.live.clients import shown

log = logging.getLogger(__name__)
# Socket.IO packet types with binary attachments (socketio/packet.py: BINARY_EVENT, BINARY_ACK).
BINARY_TYPES = ("5", "6")


class PacketGuard:
    """Wrap a Socket.IO server's engine.io message and disconnect handlers."""

    def __init__(self, server) -> None:
        self.server = server
        self.handle_message = server._handle_eio_message
        self.handle_disconnect = server._handle_eio_disconnect
        self.ignored: dict[str, Counter] = {}

    def message(self, eio_sid: str, data) -> None:
        """Pass a readable text packet on to python-socketio; drop and count anything else."""
        if not isinstance(data, str):
            self._ignore(eio_sid, "binary frame", f"a binary frame of {len(data)} bytes")
            return
        if data[:1] in BINARY_TYPES:
            self._ignore(eio_sid, "binary packet", f"a binary packet {shown(data)}")
            return
        try:
            self.handle_message(eio_sid, data)
        except Exception as exc:  # what python-socketio cannot decode or does not expect
            self._ignore(eio_sid, "malformed packet", f"a malformed packet {shown(data)} ({exc})")

    def disconnect(self, eio_sid: str, *reason) -> None:
        """Let python-socketio end the client's namespaces, then report what was ignored from it."""
        try:
            self.handle_disconnect(eio_sid, *reason)
        finally:
            counts = self.ignored.pop(eio_sid, None)
            if counts and sum(counts.values()) > 1:
                summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
                log.warning("connection %s closed; ignored from it: %s", eio_sid, summary)

    def _ignore(self, eio_sid: str, kind: str, detail: str) -> None:
        counts = self.ignored.setdefault(eio_sid, Counter())
        counts[kind] += 1
        if counts[kind] == 1:
            log.warning("ignored %s on connection %s (more are counted until it closes)", detail, eio_sid)


def _bounded(websocket_class: type) -> type:
    """Return engine.io's websocket class, with its message size limit given to simple-websocket."""
    if getattr(websocket_class, "bounded", False):
        return websocket_class

    class Bounded(websocket_class):
        # engine.io checks a message's size only once it has all arrived (engineio/socket.py:159) and
        # does not pass max_message_size to simple-websocket (engineio/async_drivers/gevent.py:32-40),
        # so a client could make the server buffer one message without bound; simple-websocket stops
        # reading and closes with 1009 as soon as a message grows past the limit (simple_websocket/ws.py:191).
        bounded = True

        def __init__(self, handler, server, **kwargs):
            super().__init__(handler, server, **kwargs)
            self.server_args["max_message_size"] = server.max_http_buffer_size

    return Bounded


def init_server(server) -> None:
    """Put the guard between engine.io and python-socketio (base_server.py:35-37 registers them)."""
    guard = PacketGuard(server)
    server.eio.on("message", guard.message)
    server.eio.on("disconnect", guard.disconnect)
    websocket_class = server.eio._async.get("websocket")
    if isinstance(websocket_class, type) and issubclass(websocket_class, SimpleWebSocketWSGI):
        # A copy: the drivers' dict is shared by every server of the process.
        server.eio._async = {**server.eio._async, "websocket": _bounded(websocket_class)}
