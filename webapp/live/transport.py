"""Every reach into engine.io, python-socketio, simple-websocket and gevent internals, in one module.

An override of a private method that an upgrade renamed is never called and fails nothing: the Redis
relay, the outbox bound, the packet guard or the read pacing would quietly stop working. So what the
live package hooks, replaces or reads inside those libraries is here and nowhere else, each hook saying
in one line why it exists, and install() first checks that the installed libraries are the versions
pinned in requirements.txt and that every hooked name exists with the signature it was written against;
otherwise the app refuses to start with one sentence (webapp.StartupError).

The rules themselves stay with their owners, which know no library internals: guard.py (what a client
may send, how fast its connection is read), outbox.py (what a client that does not read may hold),
relay.py (every change once, in seq order) and replay.py (catch-up answers built once). What is
decided here for every websocket: no permessage-deflate (as Node's socket.io 4), a broadcast framed
once and written at once to each client with nothing queued (broadcast()), on gevent a writer task
only while a client has something queued (lazy_writers), and under serve.py each websocket read in a
task of its own instead of under the HTTP handler's frames (websocket_handler's detach). Line numbers
drift between releases, so comments name the version (python-engineio 4.15, python-socketio 5.18,
simple-websocket 1.1, gevent 26.9).
"""

import importlib
import inspect
import io
import re
import socket
import struct
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from importlib import metadata

from engineio import packet as eio_packet
from socketio import packet as sio_packet
from wsproto.utilities import LocalProtocolError

from webapp.config import ROOT
from webapp.live import guard, outbox
from webapp.live.clients import ClientBook, shown

# (module, attribute path, why it is hooked or read), for the pinned versions below.
HOOKS: tuple[tuple[str, str, str], ...] = (
    ("engineio.socket", "Socket._websocket_handler", "the websocket classes find their engine.io socket"),
    (
        "engineio.server",
        "Server.start_background_task",
        "lazy_writers: a websocket's writer task starts only while it has something queued",
    ),
    ("engineio.socket", "Socket.close", "end_session ends a session without waiting for the client"),
    (
        "engineio.async_drivers._websocket_wsgi",
        "SimpleWebSocketWSGI.wait",
        "guard skips non-packet text frames",
    ),
    (
        "engineio.async_drivers._websocket_wsgi",
        "SimpleWebSocketWSGI.__init__",
        "the websocket class wraps the handler and bounds a message's size",
    ),
    (
        "engineio.async_drivers._websocket_wsgi",
        "SimpleWebSocketWSGI.__call__",
        "the websocket classes wrap it",
    ),
    (
        "engineio.async_drivers.gevent",
        "_async",
        "the driver's queue and websocket classes are replaced per server",
    ),
    ("engineio.packet", "Packet", "replay sends ready engine.io packets"),
    (
        "engineio.base_socket",
        "BaseSocket.__init__",
        "broadcast and PingTimer read a socket's queue, last_ping, upgraded, upgrading, closed and closing",
    ),
    ("engineio.socket", "Socket.check_ping_timeout", "broadcast checks it as Socket.send does"),
    ("engineio.socket", "Socket.schedule_ping", "PingTimer: one timer pings every client, not a task each"),
    ("engineio.socket", "Socket._send_ping", "PingTimer.ping does what it did, for every client due"),
    (
        "engineio.async_drivers._websocket_wsgi",
        "SimpleWebSocketWSGI.send",
        "the writer writes the rest of a frame broadcast wrote part of",
    ),
    ("socketio.server", "Server._handle_event", "guard: only events the app reads are dispatched"),
    ("socketio.server", "Server._handle_eio_message", "guard: what cannot be decoded is counted"),
    ("socketio.server", "Server._handle_eio_disconnect", "guard: the summary when a connection closes"),
    ("socketio.server", "Server._send_eio_packet", "relay.ReadyPackets sends packets encoded once"),
    ("socketio.base_manager", "BaseManager.pre_connect", "relay: the first client starts the log heartbeat"),
    ("socketio.base_manager", "BaseManager.basic_enter_room", "RoomIndex knows each client's rooms"),
    ("socketio.base_manager", "BaseManager.basic_leave_room", "RoomIndex"),
    ("socketio.base_manager", "BaseManager.basic_disconnect", "RoomIndex: no scan over every room"),
    ("socketio.base_manager", "BaseManager.get_rooms", "RoomIndex answers from what it knows"),
    (
        "socketio.base_manager",
        "BaseManager.eio_sid_from_sid",
        "handlers and relay find a client's connection",
    ),
    ("socketio.manager", "Manager.emit", "relay delivers changes in seq order, once"),
    (
        "socketio.redis_manager",
        "RedisManager._redis_listen_with_retries",
        "relay: the queue's state, catch up",
    ),
    ("socketio.redis_manager", "RedisManager._redis_connect", "relay: subscribing again"),
    ("socketio.pubsub_manager", "PubSubManager._handle_emit", "relay: changes from the queue, in seq order"),
    ("socketio.redis_manager", "RedisManager._publish", "relay: a failed publish marks the queue away"),
    (
        "simple_websocket.ws",
        "Server.handshake",
        "Handshake answers the 101 from pywsgi's environ; its own answer (the fallback) finds no deflate offer",
    ),
    ("wsproto.connection", "Connection", "Handshake starts wsproto's connection open, without h11"),
    ("wsproto.utilities", "generate_accept_token", "Handshake answers the client's key as wsproto does"),
    (
        "simple_websocket.ws",
        "Base._handle_events",
        "Websocket._receive reads in the connection's task, as Base._thread did in one of its own",
    ),
    ("simple_websocket.ws", "Base.__init__", "Websocket gives it a reader thread class never started"),
    (
        "simple_websocket.ws",
        "Server.__init__",
        "serve.py hands it the connection's own socket as environ['werkzeug.socket']",
    ),
    (
        "flask_socketio",
        "_SocketIOMiddleware.__call__",
        "share_environ: python-socketio keeps the environ it gets, not a copy of the server's",
    ),
    ("wsproto", "WSConnection.events", "Websocket drops wsproto's handshake once it is over (_SHAKEN)"),
    ("gevent.socket", "socket.send", "broadcast writes a frame without waiting (timeout 0)"),
    ("gevent.queue", "JoinableQueue.put", "outbox.Outbox bounds each client's queue"),
    ("gevent.queue", "JoinableQueue.get", "outbox.Outbox"),
    (
        "gevent.queue",
        "JoinableQueue.unfinished_tasks",
        "outbox.Outbox lets an empty queue go only when no packet taken out is unhandled",
    ),
    ("gevent.pywsgi", "WSGIHandler.get_environ", "serve.py adds the websocket's socket to the environ"),
    (
        "gevent.pywsgi",
        "WSGIHandler.run_application",
        "serve.py closes the connection after a websocket, and frees its read buffer and parsed headers",
    ),
    ("gevent.pywsgi", "Input.chunked_input", "serve.py keeps the read buffer of a request with a body"),
    ("gevent.socket", "socket._io_refs", "a websocket outlives its HTTP handler's task (detach)"),
    ("gevent.socket", "socket._decref_socketios", "detach: the connection closes once both have closed it"),
)
# The signatures the hooks were written against (inspect.signature), by "module.attribute path": an
# override with other arguments would be called wrongly, or not at all.
SIGNATURES: dict[str, str] = {
    "engineio.socket.Socket._websocket_handler": "(self, ws)",
    "engineio.server.Server.start_background_task": "(self, target, *args, **kwargs)",
    "engineio.socket.Socket.close": "(self, wait=True, abort=False, reason=None)",
    "engineio.async_drivers._websocket_wsgi.SimpleWebSocketWSGI.wait": "(self)",
    "engineio.async_drivers._websocket_wsgi.SimpleWebSocketWSGI.__init__": "(self, handler, server, **kwargs)",
    "engineio.async_drivers._websocket_wsgi.SimpleWebSocketWSGI.__call__": "(self, environ, start_response)",
    "engineio.packet.Packet": "(packet_type=6, data=None, encoded_packet=None)",
    "engineio.base_socket.BaseSocket.__init__": "(self, server, sid)",
    "engineio.socket.Socket.check_ping_timeout": "(self)",
    "engineio.socket.Socket.schedule_ping": "(self)",
    "engineio.socket.Socket._send_ping": "(self)",
    "engineio.async_drivers._websocket_wsgi.SimpleWebSocketWSGI.send": "(self, message)",
    "socketio.server.Server._handle_event": "(self, eio_sid, namespace, id, data)",
    "socketio.server.Server._handle_eio_message": "(self, eio_sid, data)",
    "socketio.server.Server._handle_eio_disconnect": "(self, eio_sid, reason)",
    "socketio.server.Server._send_eio_packet": "(self, eio_sid, eio_pkt)",
    "socketio.base_manager.BaseManager.pre_connect": "(self, eio_sid, namespace)",
    "socketio.base_manager.BaseManager.basic_enter_room": "(self, sid, namespace, room, eio_sid=None)",
    "socketio.base_manager.BaseManager.basic_leave_room": "(self, sid, namespace, room)",
    "socketio.base_manager.BaseManager.basic_disconnect": "(self, sid, namespace, **kwargs)",
    "socketio.base_manager.BaseManager.get_rooms": "(self, sid, namespace)",
    "socketio.base_manager.BaseManager.eio_sid_from_sid": "(self, sid, namespace)",
    "socketio.manager.Manager.emit": (
        "(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs)"
    ),
    "socketio.redis_manager.RedisManager._redis_listen_with_retries": "(self)",
    "socketio.redis_manager.RedisManager._redis_connect": "(self)",
    "socketio.pubsub_manager.PubSubManager._handle_emit": "(self, message)",
    "socketio.redis_manager.RedisManager._publish": "(self, data)",
    "simple_websocket.ws.Server.handshake": "(self)",
    "wsproto.connection.Connection": (
        "(connection_type: 'ConnectionType', extensions: 'list[Extension] | None' = None, "
        "trailing_data: 'bytes' = b'') -> 'None'"
    ),
    "wsproto.utilities.generate_accept_token": "(token: 'bytes') -> 'bytes'",
    "simple_websocket.ws.Base._handle_events": "(self)",
    "simple_websocket.ws.Base.__init__": (
        "(self, sock=None, connection_type=None, receive_bytes=4096, ping_interval=None, "
        "max_message_size=None, thread_class=None, event_class=None, selector_class=None)"
    ),
    "simple_websocket.ws.Server.__init__": (
        "(self, environ, subprotocols=None, receive_bytes=4096, ping_interval=None, max_message_size=None, "
        "thread_class=None, event_class=None, selector_class=None)"
    ),
    "flask_socketio._SocketIOMiddleware.__call__": "(self, environ, start_response)",
    "wsproto.WSConnection.events": "(self) -> 'Generator[Event, None, None]'",
    "gevent.socket.socket.send": "(self, data, flags=0, timeout=<object object>)",
    "gevent.queue.JoinableQueue.put": "(self, item, block=True, timeout=None)",
    "gevent.queue.JoinableQueue.get": "(self, block=True, timeout=None)",
    "gevent.pywsgi.WSGIHandler.get_environ": "(self)",
    "gevent.pywsgi.WSGIHandler.run_application": "(self)",
    "gevent.socket.socket._decref_socketios": "(self)",
}
# Instance attributes read (not in the classes): checked on a live server by check_server().
SERVER_ATTRIBUTES = ("eio", "manager", "environ", "packet_class")
ENGINE_ATTRIBUTES = ("_async", "sockets", "handlers", "reason", "max_http_buffer_size", "ping_interval")
PINNED = ("python-engineio", "python-socketio", "Flask-SocketIO", "simple-websocket", "gevent", "redis")
_INSTALL = "install the versions pinned in requirements.txt."
# In a websocket's environ (serve.py's handler): lets the websocket go on in a task of its own (detach).
DETACH = "webapp.live.detach"
# The body of every websocket's request once its connection's read buffer is closed: none.
NO_BODY = io.BytesIO()


class TransportError(Exception):
    """A hooked library is not what webapp.live was written against."""


def _pinned(package: str) -> str | None:
    pattern = re.compile(rf"^{re.escape(package)}(\[[^\]]*\])?==([^\s;#]+)", re.IGNORECASE | re.MULTILINE)
    found = pattern.search((ROOT / "requirements.txt").read_text())
    return found.group(2) if found else None


def _signature(target) -> str | None:
    try:
        signature = str(inspect.signature(target))
    except (TypeError, ValueError):  # not a callable, or a builtin without one
        return None
    return re.sub(r" at 0x[0-9a-f]+>", ">", signature)  # a sentinel default's address changes every run


def check() -> None:
    """Raise TransportError (one sentence) unless each library is pinned and every hooked name exists
    with its expected signature."""
    for package in PINNED:
        want, have = _pinned(package), metadata.version(package)
        if want is not None and want != have:
            raise TransportError(
                f"{package} {have} is installed but webapp/live/transport.py was checked against {want} "
                f"(requirements.txt): {_INSTALL}"
            )
    writer_code()
    handshake_ends()
    handshake_answers()
    events_queued()
    for module_name, path, why in HOOKS:
        try:
            target = importlib.import_module(module_name)
        except ImportError:
            target = None
        for part in path.split(".") if target is not None else ():
            target = getattr(target, part, None)
            if target is None:
                break
        if target is None:
            raise TransportError(
                f"{module_name}.{path} is missing, and webapp.live needs it ({why}): {_INSTALL}"
            )
        want = SIGNATURES.get(f"{module_name}.{path}")
        have = _signature(target) if want is not None else None
        if want is not None and have != want:
            raise TransportError(
                f"{module_name}.{path} takes {have} where webapp.live expects {want} ({why}): {_INSTALL}"
            )


def writer_code():
    """Return the code of engine.io 4.15's websocket writer (Socket._websocket_handler's nested writer(),
    over the socket `self` and its websocket `ws`), which lazy_writers does not start; raise TransportError
    when there is none."""
    handler = importlib.import_module("engineio.socket").Socket._websocket_handler
    for const in getattr(getattr(handler, "__code__", None), "co_consts", ()):
        if getattr(const, "co_name", None) == "writer" and set(const.co_freevars) == {"self", "ws"}:
            return const
    raise TransportError(
        "engineio.socket.Socket._websocket_handler has no writer() over self and ws, and webapp.live "
        f"replaces it (lazy_writers): {_INSTALL}"
    )


def handshake_ends() -> None:
    """Raise TransportError unless wsproto 1.3's WSConnection keeps its handshake in `handshake` and, once
    its `connection` is made, only asks the handshake for events (what _SHAKEN answers)."""
    from wsproto import ConnectionType, WSConnection

    conn = WSConnection(ConnectionType.SERVER)
    names = set(WSConnection.events.__code__.co_names)
    if not (hasattr(conn, "handshake") and hasattr(conn, "connection") and {"handshake", "events"} <= names):
        raise TransportError(
            "wsproto.WSConnection has no handshake and connection as webapp.live expects (it drops the "
            f"handshake once it is over): {_INSTALL}"
        )


def handshake_answers() -> None:
    """Raise TransportError unless Handshake answers an upgrade with the bytes simple-websocket 1.1 and
    wsproto 1.3 write for it, and leaves wsproto's connection open as their handshake does."""
    from wsproto.connection import ConnectionState

    class Capture:
        def __init__(self) -> None:
            self.sent = b""

        def send(self, data) -> int:
            self.sent += data
            return len(data)

        def sendall(self, data) -> None:
            self.send(data)

    environ = {
        "REQUEST_METHOD": "GET",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    answers = []
    for server_class in (importlib.import_module("simple_websocket.ws").Server, _handshake_class()):
        sock = Capture()
        ws = server_class({**environ, "werkzeug.socket": sock}, thread_class=_Unstarted)
        opened = ws.connected and ws.ws.connection is not None and ws.ws.state is ConnectionState.OPEN
        answers.append((sock.sent, opened))
    if answers[0] != answers[1] or not answers[0][1]:
        raise TransportError(
            f"simple-websocket's handshake answers {answers[0]} where webapp.live answers {answers[1]} "
            f"(Handshake): {_INSTALL}"
        )


def events_queued() -> None:
    """Raise TransportError unless wsproto 1.3's Connection keeps the events it has read in `_events`,
    used only with append, popleft and its truth (what _Events does with a list)."""
    from wsproto.connection import Connection, ConnectionType

    names = set(Connection.events.__code__.co_names) | set(Connection.receive_data.__code__.co_names)
    if (
        not isinstance(getattr(Connection(ConnectionType.SERVER), "_events", None), deque)
        or not {
            "_events",
            "popleft",
            "append",
        }
        <= names
    ):
        raise TransportError(
            f"wsproto's Connection does not queue its events in _events as webapp.live expects: {_INSTALL}"
        )


def check_server(server) -> None:
    """Raise TransportError unless a Socket.IO server has the instance attributes the hooks read."""
    for owner, names in ((server, SERVER_ATTRIBUTES), (getattr(server, "eio", None), ENGINE_ATTRIBUTES)):
        for name in names:
            if not hasattr(owner, name):
                raise TransportError(
                    f"{type(owner).__name__}.{name} is missing, and webapp.live reads it: {_INSTALL}"
                )


def install(
    server, book: ClientBook, events: dict[str, Callable[..., bool]], max_queued: int, extension=None
) -> None:
    """Check the libraries (raise TransportError, having installed nothing), then put the packet guard,
    the per-client outbox and the paced, whole-sending websockets into a Socket.IO server (and, given
    Flask-SocketIO's extension, its middleware's environ shared: share_environ)."""
    check()
    check_server(server)
    middleware = getattr(extension, "sockio_mw", None) if extension is not None else None
    base = importlib.import_module("flask_socketio")._SocketIOMiddleware
    if extension is not None and type(middleware) is not base:
        raise TransportError(
            f"Flask-SocketIO's middleware (sockio_mw) is not a _SocketIOMiddleware: {_INSTALL}"
        )
    eio = server.eio
    # python-socketio 5.18 registers its engine.io handlers as bound private methods; the guard sits
    # between them and engine.io, and replaces the event dispatch, through which every EVENT goes.
    packet_guard = guard.PacketGuard(
        book,
        events,
        connected=lambda eio_sid: eio_sid in eio.sockets,
        handle_connect=eio.handlers["connect"],
        handle_message=server._handle_eio_message,
        handle_disconnect=server._handle_eio_disconnect,
        handle_event=server._handle_event,
    )
    server._handle_event = packet_guard.event
    # engine.io 4.15 takes its queue and websocket classes from the driver's dict, shared by every
    # server of the process: this server gets a copy with its own classes.
    drivers = {**eio._async}
    drivers["queue"] = outbox.outbox_class(
        drivers["queue"], max_queued, threads=eio.async_mode == "threading", end=cut_off
    )
    websocket_class = drivers.get("websocket")
    base = importlib.import_module("engineio.async_drivers._websocket_wsgi").SimpleWebSocketWSGI
    if isinstance(websocket_class, type) and issubclass(websocket_class, base):
        drivers["websocket"] = _websocket_class(websocket_class, book)
        if eio.async_mode == "gevent":
            lazy_writers(eio, drivers["websocket"])
            untracked_greenlets()
    eio._async = drivers
    timed = _timed_socket_class(PingTimer(eio))

    def on_connect(eio_sid, *args):
        # engine.io 4.15 registers the socket before its connect event, and schedules its first ping
        # after it: its queue learns its owner, and its pings come from the server's one timer.
        sock = eio.sockets.get(eio_sid)
        if sock is not None and isinstance(sock.queue, outbox.Outbox):
            sock.queue.owner = weakref.ref(sock)
        if sock is not None and type(sock) is timed.__base__:
            sock.__class__ = timed
        return packet_guard.connect(eio_sid, *args)

    def on_disconnect(eio_sid, reason=None, *args):
        # A client gone quiet is closed with a CLOSE packet (engine.io 4.15), queued behind whatever it
        # stopped reading: the writer stays blocked in send and the connection open for good, holding
        # up to the kernel's send buffer (tcp_wmem: 4 MB). Reset it instead.
        try:
            return packet_guard.disconnect(eio_sid, reason, *args)
        finally:
            sock = eio.sockets.get(eio_sid) if reason == eio.reason.PING_TIMEOUT else None
            ws = sock.queue.transport if sock is not None and isinstance(sock.queue, outbox.Outbox) else None
            if ws is not None:
                outbox.log.info("connection %s answered no ping: resetting it", eio_sid)
                ws.abort()

    eio.on("connect", on_connect)
    eio.on("message", packet_guard.message)
    eio.on("disconnect", on_disconnect)
    if middleware is not None:
        share_environ(middleware)


def share_environ(middleware) -> None:
    """Have Flask-SocketIO's middleware add its key to the server's environ instead of to a copy of it.

    Flask-SocketIO 5.7 copies every request's environ to add 'flask.app'; python-socketio 5.18 keeps
    that copy for each client's life (handlers run in a request context made from it) while the WSGI
    server keeps its own: two dicts of the same 40-odd items per client (830 bytes traced). PEP 3333
    lets an application change the environ it is given, and each request gets a new one.
    """
    base = type(middleware)

    class SharedEnviron(base):
        def __call__(self, environ, start_response):
            environ["flask.app"] = self.flask_app
            return super(base, self).__call__(environ, start_response)  # socketio.WSGIApp's, as base's

    middleware.__class__ = SharedEnviron


def untracked_greenlets() -> None:
    """Turn off gevent's record of who spawned each greenlet, and where (a documented setting of gevent
    26.9, `track_greenlet_tree`, for debugging; nothing here reads it).

    Each greenlet spawned keeps the stack it was spawned from and shares its spawner's tree locals: with
    a writer spawned by each connection, about 1.3 KiB per client stayed after the writer had ended
    (bench/per_client.py), and every spawn (each connection's, each writer's) paid for the stack.
    """
    import gevent  # here: only the gevent mode needs it

    gevent.config.track_greenlet_tree = False


def lazy_writers(eio, websocket_class: type) -> None:
    """Give each websocket of an engine.io server (on gevent) an outbox.Writer, started only while the
    client has something queued, in place of engine.io's writer task for the connection's whole life.

    engine.io 4.15 starts its writer (Socket._websocket_handler's writer(), which waits on the queue, and
    writes each packet with ws.send(pkt.encode()) until it takes None or a send fails, then ws.close())
    with server.start_background_task, and only joins it when the connection ends: this server's
    start_background_task hands back a Writer that does the same, for that task only (writer_code()).
    """
    code = writer_code()
    start = eio.start_background_task

    def start_background_task(target, *args, **kwargs):
        if getattr(target, "__code__", None) is code and target.__closure__ and not args and not kwargs:
            cells = dict(
                zip(code.co_freevars, (cell.cell_contents for cell in target.__closure__), strict=True)
            )
            sock, ws = cells["self"], cells["ws"]
            if isinstance(sock.queue, outbox.Outbox) and isinstance(ws, websocket_class):
                return outbox.Writer(sock.queue, send=ws.send_packet, close=ws.close, spawn=start)
        return start(target, *args, **kwargs)

    eio.start_background_task = start_background_task


def connection(server, eio_sid: str):
    """Return engine.io's socket for a connection, or None when it is gone."""
    return server.eio.sockets.get(eio_sid)


def is_open(sock) -> bool:
    """Tell whether an engine.io socket is neither closed nor closing."""
    return not (sock.closed or sock.closing)


def remote_address(server, eio_sid: str) -> str | None:
    """Return the address a connection came from (python-socketio keeps each one's WSGI environ)."""
    return server.environ.get(eio_sid, {}).get("REMOTE_ADDR")


def end_session(sock, abort: bool = False) -> None:
    """End a client's engine.io session at once, as eio.disconnect() does, without waiting for it.

    eio.disconnect() waits until the client has read everything queued (engine.io 4.15: Socket.close
    with wait=True): for a client that does not read, that is forever.
    """
    sock.close(wait=False, abort=abort, reason=sock.server.reason.SERVER_DISCONNECT)
    sock.server.sockets.pop(sock.sid, None)


def cut_off(sock) -> None:
    """Close the session of a client over its outbox bound and reset its websocket (no close packet,
    which would only queue behind what it does not read); it reconnects and catches up."""
    ws = sock.queue.transport
    end_session(sock, abort=True)
    if ws is not None:
        ws.abort()


def send_packets(server, eio_sid: str, packets: Iterable[eio_packet.Packet]) -> None:
    """Hand ready engine.io packets to one connection, in order, as python-socketio 5.18 does for an emit."""
    for packet in packets:
        server._send_eio_packet(eio_sid, packet)


def broadcast(manager, event: str, data: object, namespace: str = "/") -> None:
    """Send one event to every client of a namespace on this process, encoded and framed once.

    python-socketio 5.18 (Manager.emit) encodes a broadcast once and queues the same packet for every
    client; then each client's engine.io writer greenlet takes it out, frames it (wsproto) and writes it
    with gevent's sendall: per client a put, a get, two greenlet switches, a frame and a getsockopt.
    Here the websocket frame is built once (a server's frames are unmasked: the same bytes for every
    client) and written with one send that does not wait, to each websocket client with nothing queued
    or being written (see Websocket.write_now); any other client (behind, polling, upgrading, closing)
    is handed the packet as Manager.emit does, through its bounded queue. So each client's bytes go out
    in the order of the calls, as through the queue alone.
    """
    server = manager.server
    sockets = server.eio.sockets
    pkt = encode_event(server, event, data)
    frame = None
    for _sid, eio_sid in manager.get_participants(namespace, None):
        sock = sockets.get(eio_sid)
        ws = _writable(sock)
        if ws is not None:
            if frame is None:
                try:
                    frame = text_frame(pkt.encode())
                except UnicodeEncodeError:  # wsproto would fail on it too, in each writer: as before
                    frame = b""
            if frame:
                if not sock.check_ping_timeout():  # as engine.io's Socket.send: a client gone quiet is closed
                    continue
                if ws.write_now(frame, sock.queue):
                    continue
        server._send_eio_packet(eio_sid, pkt)


class PingTimer:
    """One task per server that pings every client when it is due, in place of engine.io's task per client.

    engine.io 4.15 starts a task (a greenlet on gevent) for each ping, which sleeps ping_interval and
    sends it: with the client's connection, reader and writer, a fourth greenlet per idle client (its
    stack, its frames, a timer: about 10 KiB, bench/per_client.py). Here each client due a ping waits in
    one deque instead; every client waits the same interval, so the deque is in the order they are due,
    and one task sleeps until the first is due, pings it and every other one due by then, and ends when
    none waits (it starts again with the next). Ping timeouts are unchanged: engine.io's service task
    (monitor_clients) still closes a client that has not answered its ping within ping_timeout.
    """

    def __init__(self, server) -> None:
        self.server = server  # engine.io's
        self.due: deque = deque()  # (when, socket), oldest first
        self.running = False
        self._lock = threading.Lock()  # a gevent lock once the standard library is patched

    def schedule(self, sock) -> None:
        """Ping sock in ping_interval, as engine.io 4.15 Socket.schedule_ping: only once it has answered
        the ping before (or at its start)."""
        if not sock.last_ping:
            return
        sock.last_ping = None
        with self._lock:
            self.due.append((time.monotonic() + self.server.ping_interval, sock))
            if self.running:
                return
            self.running = True
        try:
            self.server.start_background_task(self.run)
        except BaseException:
            self.running = False
            raise

    def run(self) -> None:
        """Ping every client as it comes due; end when none waits."""
        while True:
            with self._lock:
                if not self.due:
                    self.running = False
                    return
                when = self.due[0][0]
            wait = when - time.monotonic()
            if wait > 0:
                self.server.sleep(wait)
                continue
            now = time.monotonic()
            while self.due and self.due[0][0] <= now:
                _when, sock = self.due.popleft()
                try:
                    self.ping(sock)
                except Exception:  # one client's failure must not stop everyone's pings
                    self.server.logger.exception("ping to %s failed", getattr(sock, "sid", "?"))

    @staticmethod
    def ping(sock) -> None:
        """Send a ping, as engine.io 4.15 Socket._send_ping does once its sleep ends.

        Through the client's queue, never written at once as broadcast does: engine.io's own writer (the
        threading mode's; on gevent lazy_writers replaces it) ends the websocket when its queue stays empty
        for ping_interval + ping_timeout, and pings are what it gets.
        """
        if sock.closing or sock.closed:
            return
        sock.last_ping = time.time()
        sock.send(eio_packet.Packet(eio_packet.PING))


def _timed_socket_class(timer: PingTimer) -> type:
    """Return engine.io's Socket class with its pings scheduled on timer (given to each socket at connect)."""
    base = importlib.import_module("engineio.socket").Socket

    class Socket(base):
        def schedule_ping(self):
            timer.schedule(self)

    Socket.ping_timer = timer
    return Socket


def _writable(sock):
    """Return an engine.io socket's websocket when a frame may be written to it now, else None: it is
    open and upgraded, and its queue (outbox.Outbox) holds nothing, neither waiting nor being written."""
    if sock is None or sock.closed or sock.closing or not sock.upgraded or sock.upgrading:
        return None
    queue = sock.queue
    if not isinstance(queue, outbox.Outbox) or queue.held or queue.qsize():
        return None
    return queue.transport


def text_frame(text: str) -> bytes:
    """Return a whole, unmasked websocket text frame for text (RFC 6455; as wsproto frames a server's)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + payload


def encode_event(server, event: str, data: object) -> eio_packet.Packet:
    """Encode one Socket.IO event for the default namespace, as python-socketio would."""
    encoded = server.packet_class(sio_packet.EVENT, namespace="/", data=[event, data]).encode()
    return eio_packet.Packet(eio_packet.MESSAGE, encoded)


def has_clients(manager, namespace: str = "/") -> bool:
    """Tell whether a client manager has any client in a namespace (python-socketio 5.18: manager.rooms)."""
    return bool(manager.rooms.get(namespace))


class WholeSends:
    """A connection whose send() writes everything it is given, as simple-websocket expects, after what
    write_now() left unwritten, one writer at a time.

    simple-websocket 1.1 ignores how much of a frame its socket's send() wrote, and gevent's send()
    writes only what fits when the send buffer is nearly full: a slow reader got truncated frames.
    """

    def __init__(self, raw, direct=None) -> None:
        self.raw = raw
        self.direct = direct  # the gevent socket, for write_now (None: write_now never writes)
        self.owed = b""  # the rest of a frame write_now wrote part of: written before anything else
        self._lock = threading.Lock()  # a gevent lock once the standard library is patched

    def send(self, data, flags=0) -> int:
        """Write what is owed, then all of data, waiting for the client as long as it takes."""
        with self._lock:  # simple-websocket's reader writes too (a pong, a close)
            if self.owed:
                owed, self.owed = self.owed, b""
                self.raw.sendall(owed)
            if data:
                self.raw.sendall(data, flags)
        return len(data)

    def write_now(self, frame: bytes) -> int | None:
        """Write frame with one send that does not wait, unless another write is under way or owed;
        return how much was written (the rest is owed), or None when nothing could be."""
        if self.direct is None or self.owed or self._lock.locked():
            return None
        try:
            written = self.direct.send(frame, 0, 0.0)  # gevent 26: timeout 0 raises instead of waiting
        except OSError:  # the buffer is full, or the connection is gone: the queue's writer finds out
            return None
        if written < len(frame):
            self.owed = memoryview(frame)[written:]
        return written

    def __getattr__(self, name):
        return getattr(self.raw, name)


class Owed:
    """Queued when write_now wrote part of a frame: the writer writes the rest (WholeSends.owed)."""

    data = None

    def __init__(self, size: int) -> None:
        self.queued_bytes = size + outbox.PACKET_OVERHEAD  # what outbox.Outbox counts for it

    def encode(self):
        return OWED


OWED = object()  # what the writer passes to Websocket.send for an Owed packet


def _waits_cooperatively(sock) -> bool:
    """Tell whether a connection is gevent's socket, whose send() with a timeout of 0 never waits."""
    gevent_socket = sys.modules.get("gevent.socket")
    return gevent_socket is not None and isinstance(sock, gevent_socket.socket)


class _Unstarted:
    """simple-websocket's reader thread, never started: Websocket._receive reads in the connection's task."""

    name = "simple_websocket.Base._thread"

    def __init__(self, target=None) -> None:
        pass

    def start(self) -> None:
        pass


def accept_answer(environ) -> bytes | None:
    """Return the 101 answer to a websocket upgrade in a WSGI environ, the bytes wsproto 1.3 writes for
    it (no subprotocol, no extension), or None when wsproto would not accept it as it stands."""
    from wsproto.utilities import generate_accept_token  # here: only websockets need it

    try:
        tokens = {token.strip().lower() for token in environ.get("HTTP_CONNECTION", "").split(",")}
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "").encode("ascii")
    except UnicodeEncodeError:
        return None
    # wsproto 1.3 (H11Handshake._process_connection_request) checks these, and nothing else it reads.
    if not (
        "upgrade" in tokens
        and environ.get("HTTP_SEC_WEBSOCKET_VERSION") == "13"
        and key
        and environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        and environ.get("HTTP_HOST")
    ):
        return None
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + generate_accept_token(key) + b"\r\n\r\n"
    )


def _handshake_class() -> type:
    """Return simple-websocket's Server with the 101 answered from the WSGI environ (Handshake)."""
    base = importlib.import_module("simple_websocket.ws").Server
    from wsproto.connection import Connection, ConnectionType

    class Handshake(base):
        """simple-websocket 1.1 (Server.handshake) writes the request pywsgi had parsed back out of the
        environ as HTTP and feeds it to wsproto, whose h11 parses it again, to write the 101 (py-spy,
        2,000 clients connecting: 16 % of the server's CPU with the 101's send). What wsproto checks is
        checked here on the environ instead, the 101 written as wsproto writes it (handshake_answers()
        compares the two at start-up), and wsproto's connection started open, as its handshake leaves
        it; no extension is offered (Websocket.__call__), and engine.io asks for no subprotocol. A
        request wsproto would refuse, or one asking for a subprotocol this server has, goes through
        simple-websocket's own handshake, as before."""

        def handshake(self):
            answer = None if self.subprotocols else accept_answer(self.environ)
            if answer is None:
                return super().handshake()
            self.ws.connection = Connection(ConnectionType.SERVER)
            self.ws.handshake = _SHAKEN  # what WSConnection asks for events once open: none
            written = self.sock.send(answer)
            if written < len(answer):
                self.sock.sendall(answer[written:])
            self.connected = True
            return None

    return Handshake


class _Shaken:
    """wsproto's handshake once it is over, for every connection: WSConnection (wsproto 1.3) still asks it
    for events, and there are none; the real one holds the request's headers and an h11 connection
    (about 1.5 KiB per client, bench/per_client.py). simple-websocket 1.1 has read every event of the
    handshake (Server.handshake) before Websocket's handler runs."""

    __slots__ = ()

    @staticmethod
    def events():
        return iter(())


_SHAKEN = _Shaken()

# What of a websocket's WSGI environ only its handshake reads (engine.io 4.15's handle_request,
# simple-websocket 1.1 and accept_answer, before the 101), request headers a socket event never uses
# (caching, content coding), and CGI's informational keys: python-socketio keeps the environ as long as
# the client stays, for Flask-SocketIO 5.7 to build each event's request from it (request.sid, the
# address, Host, the query, cookies, Accept-Language and the other headers are kept). Under 22 keys, a
# dict's table is half the size (1.1 -> 0.5 KiB).
NOT_KEPT = frozenset(
    (
        "HTTP_SEC_WEBSOCKET_KEY",
        "HTTP_SEC_WEBSOCKET_VERSION",
        "HTTP_SEC_WEBSOCKET_EXTENSIONS",
        "HTTP_SEC_WEBSOCKET_PROTOCOL",
        "HTTP_UPGRADE",
        "HTTP_CONNECTION",
        "HTTP_CACHE_CONTROL",
        "HTTP_PRAGMA",
        "HTTP_ACCEPT_ENCODING",
        "GATEWAY_INTERFACE",
        "SERVER_SOFTWARE",
        "wsgi.input_terminated",  # the body is NO_BODY (websocket_handler) or read by no event
    )
)


def trim_environ(environ: dict) -> None:
    """Drop from an open websocket's environ what only its handshake read, in place (every holder has
    this one dict: share_environ), its table sized again for what is left: a dict never shrinks when keys
    are deleted, only when it is cleared and filled again."""
    kept = {key: value for key, value in environ.items() if key not in NOT_KEPT}
    environ.clear()
    environ.update(kept)


class _Events(list):
    """wsproto's queue of the events it has read (Connection._events, wsproto 1.3), as a list: it holds
    one or two at a time and is empty nearly always, and an empty deque is 760 bytes per client."""

    __slots__ = ()

    def popleft(self):
        return self.pop(0)


def _websocket_class(base: type, book: ClientBook) -> type:
    """Return engine.io's websocket class: no compression, message size bounded, reads paced, whole sends,
    non-packets skipped, known to its client's Outbox and resettable."""

    handshake = _handshake_class()

    class Websocket(base):
        def __init__(self, handler, server, **kwargs):
            # engine.io 4.15 passes its socket's own _websocket_handler: its owner is that socket.
            owner = getattr(handler, "__self__", None)
            self.eio_sid = getattr(owner, "sid", None)

            def run(ws):
                # Called once simple-websocket 1.1 has shaken hands, before its reader's first read
                # (Websocket._receive reads self.sock into input_buffer and empties it).
                inner = ws.ws
                if inner.ws.connection is not None:
                    inner.ws.handshake = _SHAKEN  # its request and h11 connection are not needed again
                    inner.ws.connection._events = _Events()  # an empty deque is 760 bytes
                paced = guard.Paced(
                    inner.sock,
                    websocket=self,
                    sleep=server.sleep,
                    burst=guard.burst_for(inner.environ.get("REMOTE_ADDR")),
                )
                direct = inner.sock if _waits_cooperatively(inner.sock) else None
                inner.sock = WholeSends(paced, direct)
                queue = getattr(owner, "queue", None)
                detach = inner.environ.pop(DETACH, None)
                # Once the last key serve.py added is gone, so that the one Flask-SocketIO 5.7 adds at the
                # first event (saved_session) still fits in the table sized here.
                trim_environ(inner.environ)
                if detach is not None and detach():
                    # The HTTP handler's task ends here; the websocket goes on in a task of its own: a
                    # plain greenlet (gevent's documented spawn_raw, for many of them), since nothing
                    # joins it, and a gevent.Greenlet adds about 1 KiB of object and saved stack.
                    importlib.import_module("gevent").spawn_raw(serve_detached, ws, queue, direct)
                    return []
                return serve(ws, queue)

            def serve(ws, queue):
                if isinstance(queue, outbox.Outbox):
                    queue.transport = ws
                try:
                    return handler(ws)
                finally:
                    if isinstance(queue, outbox.Outbox):
                        queue.transport = None

            def serve_detached(ws, queue, sock):
                try:
                    serve(ws, queue)
                except Exception:  # as gevent's handler would have logged it
                    server.logger.exception("websocket %s failed", self.eio_sid)
                finally:
                    sock._decref_socketios()  # closes it, once gevent's server has closed it too

            super().__init__(run, server, **kwargs)
            self.server_args["thread_class"] = _Unstarted  # the connection's task reads (_receive)
            self.ended = False
            # engine.io 4.15 checks a message's size only once it has all arrived and does not pass
            # max_message_size to simple-websocket, so a client could make the server buffer one message
            # without bound; simple-websocket stops reading and closes with 1009 past the limit.
            self.server_args["max_message_size"] = server.max_http_buffer_size

        def __call__(self, environ, start_response):
            # simple-websocket 1.1 accepts every permessage-deflate offer (browsers and socket.io-client
            # all make one): a compressor and a decompressor per client (92 KiB per idle client,
            # bench/memory.py), and every broadcast compressed again for each client. Node's socket.io 4
            # declines it by default; so do we: Server.handshake answers the environ's HTTP_ headers.
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            # engine.io 4.15's SimpleWebSocketWSGI.__call__, with simple-websocket's Server answering the
            # upgrade from the environ (Handshake).
            self.ws = handshake(environ, **self.server_args)
            ret = self.app(self)
            if self.ws.mode == "gunicorn":
                raise StopIteration()
            if self.ws.mode == "werkzeug":
                raise ConnectionError()
            return ret

        def is_open(self) -> bool:
            """Tell whether the websocket is open (guard.Paced reads while it is)."""
            return self.ws.connected

        def unread(self) -> int:
            """Return how many of its messages wait to be handled (guard.Paced waits while too many do)."""
            return len(self.ws.input_buffer)

        def send(self, message):
            """Send a message; for an Owed packet, write the rest of the frame broadcast began."""
            if message is not OWED:
                return super().send(message)
            if not self.ws.connected:
                raise OSError("the websocket is closed")  # as engine.io's SimpleWebSocketWSGI.send
            self.ws.sock.send(b"")
            return None

        def send_packet(self, pkt) -> None:
            """Send an engine.io packet, as engine.io's writer does (outbox.Writer)."""
            self.send(pkt.encode())

        def write_now(self, frame: bytes, queue) -> bool:
            """Write a whole frame to the client now if nothing else is being written to it; tell whether
            it is written or owed (its queue then hands the writer an Owed packet, first in line)."""
            inner = self.ws
            if not inner.connected:
                return False
            written = inner.sock.write_now(frame)
            if written is None:
                return False
            if written < len(frame):
                queue.put(Owed(len(frame) - written))
            return True

        def wait(self):
            """Return the next message that engine.io can decode (or None when the connection ends)."""
            # engine.io 4.15 decodes a text frame outside its try: one that is not a packet raised out of
            # its read loop with a 45-line traceback.
            while True:
                data = self._receive()
                if guard.is_packet(data):
                    return data
                book.ignore(self.eio_sid, "not an engine.io packet", f"a text frame {shown(data)}")

        def _receive(self):
            """Read until a whole message has arrived and return it, or None once the connection ends.

            simple-websocket 1.1 reads each connection in a thread of its own (Base._thread: a greenlet
            on gevent, its stack and frames about 10 KiB) that hands messages over to receive(), while
            engine.io's task for the connection only waits for them. Here that task reads itself, with
            the same steps: the reader is never started (_Unstarted).
            """
            inner = self.ws
            while True:
                if inner.input_buffer:
                    return inner.input_buffer.pop(0)
                if not inner.connected:
                    if not self.ended:  # as Base._thread does when its loop ends
                        self.ended = True
                        inner.sock.close()
                    return None
                try:
                    data = inner.sock.recv(inner.receive_bytes)  # guard.Paced: paced and within budget
                    if not data:
                        raise OSError()
                    inner.ws.receive_data(data)
                    inner.connected = inner._handle_events()
                except (OSError, LocalProtocolError):
                    inner.connected = False

        def abort(self) -> None:
            """Reset the connection: its reader and writer wake, and the kernel drops what it holds for it."""
            ws = self.ws
            ws.connected = False  # the writer's close() then sends no close frame (engine.io 4.15)
            try:
                ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                ws.sock.shutdown(socket.SHUT_RDWR)  # closed (with a reset) once _receive reads the end
            except OSError:
                pass

    return Websocket


def websocket_handler() -> type:
    """Return gevent's WSGI handler with one descriptor per websocket and the connection closed when it
    ends (for serve.py's server; gevent is imported here, once serve.py has patched the standard library).

    simple-websocket 1.1 finds no socket it knows in gevent's environ, so it takes a dup() of the
    connection: two descriptors per websocket, and closing the dup leaves the connection open, so the
    client waits for the end of the TCP stream (python-socketio's client: 3 s) and gevent then reads
    what follows the websocket as a new HTTP request. Handing it the socket as 'werkzeug.socket' makes
    it use that one socket; engine.io 4.15 then ends the request with ConnectionError, taken here as
    the sign to close the connection. Once the websocket is open, it goes on in a task of its own and
    this handler's task ends (detach); the connection is closed when both are done with it.
    """
    from gevent import pywsgi  # here: only the gevent server needs it

    class WebSocketHandler(pywsgi.WSGIHandler):
        def get_environ(self):
            """Add the connection's own socket for a websocket upgrade."""
            environ = super().get_environ()
            if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                environ["werkzeug.socket"] = self.socket
                environ[DETACH] = self.detach
            return environ

        def detach(self) -> bool:
            """Let the websocket outlive this handler's task (tell whether it may): gevent then closes
            the connection only when both have closed it.

            A websocket read in the task gevent 26.9 runs the HTTP handler in sits under two dozen
            frames (pywsgi, Flask, Flask-SocketIO, engine.io, simple-websocket) for the connection's
            life: about 20 KiB per idle client of saved C stack and Python data stack (bench/README.md,
            "10,000 idle clients"). The websocket's own task, started from the top, holds a few frames.
            """
            self.environ.pop(DETACH, None)
            sock = self.socket
            if sock is None or not _waits_cooperatively(sock):
                return False
            # As socket.makefile() does (gevent 26.9, as the standard library): while _io_refs is above
            # 0, close() only marks the socket closed; _decref_socketios() closes it once both have.
            sock._io_refs += 1
            self.socket = None  # pywsgi's handle() then leaves it to the server's close
            return True

        def run_application(self):
            """Run the app; after a websocket, close the connection instead of reading more HTTP."""
            websocket = "werkzeug.socket" in self.environ
            if websocket and not self.environ.get("CONTENT_LENGTH") and not self.wsgi_input.chunked_input:
                # The websocket reads the socket itself and no HTTP request follows it, but gevent 26.9
                # keeps the connection's read buffer (8 KiB) as long as it lasts: closing it frees it
                # (the socket stays open). A request with a body keeps it, for gevent to discard that.
                self.rfile.close()
                # and its wsgi.input (gevent's Input, over that closed buffer and its SocketIO: about
                # 0.6 KiB) stayed in the environ python-socketio keeps: an empty body instead.
                self.environ["wsgi.input"] = NO_BODY
            if websocket:
                # gevent 26.9 reads the parsed request headers (an email.message, about 0.9 KiB) only
                # to build the environ (read_request, get_environ); the handler kept them as long as
                # the connection lasted.
                self.headers = None
            try:
                super().run_application()
            except ConnectionError:
                if not websocket:
                    raise
            if websocket:
                self.close_connection = True

    return WebSocketHandler


class RoomIndex:
    """Know each client's rooms, so that a disconnect costs the same with 10 clients or 10,000.

    python-socketio 5.18 finds a leaving client's rooms by testing every room of the namespace
    (BaseManager.basic_disconnect and get_rooms), and every client has a room of its own: each
    disconnect cost O(clients), and 4,000 clients dropping at once took 6.5 s of CPU.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._joined: dict[tuple[str, str], set] = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        """Enter a room, and remember it."""
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._joined.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid, namespace, room):
        """Leave a room, and forget it."""
        super().basic_leave_room(sid, namespace, room)
        rooms = self._joined.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._joined[namespace, sid]

    def get_rooms(self, sid, namespace):
        """Return the named rooms a client is in."""
        return [room for room in self._joined.get((namespace, sid), ()) if room is not None]

    def basic_disconnect(self, sid, namespace, **kwargs):
        """Remove a client from the rooms it is in, and forget its callbacks and pending states."""
        # The same steps as BaseManager.basic_disconnect (python-socketio 5.18), without its scan.
        for room in list(self._joined.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]


class QueueHooks:
    """python-socketio 5.18 RedisManager's private steps, each handed to a public method of the relay.

    The relay (webapp.live.relay.LogRelay) defines queue_is(state, detail), from_queue(message) -> bool
    (True when it delivered the message itself) and published(ok); `receiving` says whether this
    process is subscribed right now.
    """

    RESUBSCRIBE_MAX = 5  # longest wait between attempts to subscribe again (python-socketio: 60 s)
    receiving = False

    def _redis_listen_with_retries(self):
        # python-socketio's loop, saying when the queue is back (the relay then reads the log: what was
        # published while this process was not subscribed is gone).
        retry_sleep = 1
        while True:
            try:
                if not self.receiving:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    self.receiving, retry_sleep = True, 1
                    self.queue_is("up", "subscribed")
                yield from self.pubsub.listen()
            except Exception as exc:
                self.receiving = False
                self.queue_is("down", f"cannot receive ({exc}); retrying in {retry_sleep} s")
                self.server.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, self.RESUBSCRIBE_MAX)

    def _handle_emit(self, message: dict) -> None:
        # Every message from the queue: a change goes through the relay, in seq order.
        if not self.from_queue(message):
            super()._handle_emit(message)

    def _publish(self, data: dict):
        # python-socketio returns None when publishing failed (after its own second attempt).
        result = super()._publish(data)
        self.published(result is not None)
        return result
