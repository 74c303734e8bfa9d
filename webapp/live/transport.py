"""The library internals webapp.live relies on, checked once at start-up: the app refuses to start with one
sentence when a hooked name is missing or a library is not the pinned version.

An override of a private method that an upgrade renamed is never called and fails nothing: the Redis
relay, the outbox bound, the packet guard or the read pacing would quietly stop working. So every name
the live package hooks or reads is listed here with why, and check() looks for each before anything is
installed. The hooks themselves live in relay.py (client managers), guard.py (packet guard, read pacing),
outbox.py (bounded queues, whole sends, resets) and replay.py (ready packets).
"""

import importlib
import re
from importlib import metadata

from webapp.config import ROOT

# (module, attribute path, why it is hooked or read), for the pinned versions below.
HOOKS: tuple[tuple[str, str, str], ...] = (
    ("engineio.socket", "Socket._websocket_handler", "the websocket classes find their engine.io socket"),
    ("engineio.socket", "Socket.close", "outbox.end_session ends a session without waiting for the client"),
    (
        "engineio.async_drivers._websocket_wsgi",
        "SimpleWebSocketWSGI.wait",
        "guard skips non-packet text frames",
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
    ("socketio.server", "Server._handle_event", "guard: only events the app reads are dispatched"),
    ("socketio.server", "Server._handle_eio_message", "guard: what cannot be decoded is counted"),
    ("socketio.server", "Server._handle_eio_disconnect", "guard: the summary when a connection closes"),
    ("socketio.server", "Server._send_eio_packet", "relay.ReadyPackets sends packets encoded once"),
    ("socketio.base_manager", "BaseManager.pre_connect", "relay: the first client starts the log heartbeat"),
    ("socketio.base_manager", "BaseManager.basic_enter_room", "relay.RoomIndex knows each client's rooms"),
    ("socketio.base_manager", "BaseManager.basic_leave_room", "relay.RoomIndex"),
    ("socketio.base_manager", "BaseManager.basic_disconnect", "relay.RoomIndex: no scan over every room"),
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
    ("simple_websocket.ws", "Base._thread", "guard.Paced: its reads of self.sock are paced"),
    ("simple_websocket.ws", "Base.receive", "guard.Paced waits on input_buffer, which receive() empties"),
    ("gevent.queue", "JoinableQueue.put", "outbox.Outbox bounds each client's queue"),
    ("gevent.queue", "JoinableQueue.get", "outbox.Outbox"),
)
# Instance attributes read (not in the classes): checked on a live server by check_server().
SERVER_ATTRIBUTES = ("eio", "manager", "environ", "packet_class")
ENGINE_ATTRIBUTES = ("_async", "sockets", "handlers", "reason", "max_http_buffer_size")
PINNED = ("python-engineio", "python-socketio", "simple-websocket", "gevent", "redis")


class TransportError(Exception):
    """A hooked library is not what webapp.live was written against."""


def _pinned(package: str) -> str | None:
    pattern = re.compile(rf"^{re.escape(package)}(\[[^\]]*\])?==([^\s;#]+)", re.IGNORECASE | re.MULTILINE)
    found = pattern.search((ROOT / "requirements.txt").read_text())
    return found.group(2) if found else None


def check() -> None:
    """Raise TransportError (one sentence) unless every hooked name exists and each library is pinned."""
    for package in PINNED:
        want, have = _pinned(package), metadata.version(package)
        if want is not None and want != have:
            raise TransportError(
                f"{package} {have} is installed but webapp/live/transport.py was checked against {want} "
                "(requirements.txt): install the pinned version."
            )
    for module_name, path, why in HOOKS:
        target = importlib.import_module(module_name)
        for part in path.split("."):
            target = getattr(target, part, None)
            if target is None:
                raise TransportError(
                    f"{module_name}.{path} is missing, and webapp.live needs it ({why}): "
                    "install the versions pinned in requirements.txt."
                )


def check_server(server) -> None:
    """Raise TransportError unless a Socket.IO server has the instance attributes the hooks read."""
    for owner, names in ((server, SERVER_ATTRIBUTES), (getattr(server, "eio", None), ENGINE_ATTRIBUTES)):
        for name in names:
            if not hasattr(owner, name):
                raise TransportError(
                    f"{type(owner).__name__}.{name} is missing, and webapp.live reads it: "
                    "install the versions pinned in requirements.txt."
                )
