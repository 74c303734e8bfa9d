"""Socket.IO handlers: catch up clients that missed changes; nothing else a client sends is dispatched.

Every change goes to every client (announcements for one venue too, flagged with that venue): a
client then sees every seq, so a gap always means it missed something and must catch up. Catch-up
is budgeted per connection (webapp.live.clients) and per process (REPLAY_SLOTS); what is not a sync
is counted and dropped by webapp.live.guard before it is dispatched.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable

from flask import current_app, request

from webapp.extensions import socketio
from webapp.live import audit_log, guard, transport
from webapp.live.clients import ClientBook, shown
from webapp.live.log import head_seq
from webapp.live.protocol import SYNC
from webapp.live.replay import Replays

log = logging.getLogger(__name__)
# Catch-ups being read and queued at once in this process, whoever asked (a gevent semaphore once
# serve.py has patched the standard library): many flooding sockets wait their turn here, one after
# another with the rest of the process in between, instead of adding up to a stall.
REPLAY_SLOTS = 2
replay_slots = threading.BoundedSemaphore(REPLAY_SLOTS)


def _since(data) -> int | None:
    since = data.get("since") if isinstance(data, dict) else None
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        return None
    return since


def _clients() -> ClientBook:
    """Return the current app's book of connected clients (per app, like its Replays)."""
    return current_app.extensions["clients"]


def _connection(sid: str) -> str | None:
    """Return the engine.io sid (the connection) of a Socket.IO client of the default namespace."""
    return socketio.server.manager.eio_sid_from_sid(sid, "/")


def catch_up(sid: str, since: int, batch: bool = False, read_head: Callable[[], int] = head_seq) -> int:
    """Send one client every change after since, in order, or a snapshot when it is too far behind.

    read_head tells up to where (read after the client joined: what comes later reaches it live). Return
    the head seq the client was brought to.
    """
    with replay_slots:
        head = read_head()
        replays = current_app.extensions["replays"]  # per app: each has its own log
        socketio.server.manager.send_ready(sid, replays.answer(socketio.server, since, head, batch))
    socketio.sleep(0)  # the next catch-up, whoever asked for it, comes after everyone else's turn
    return head


def on_connect(auth=None):
    """An attendee page connects with auth {since: last seq it has}; it is sent what it missed."""
    since = _since(auth)
    client = _clients().connect(_connection(request.sid))
    client.batch = isinstance(auth, dict) and auth.get("batch") is True
    if since is not None:
        client.replies.take(time.monotonic())
        client.sent = catch_up(request.sid, since, client.batch, functools.partial(_relayed_head, since))


def _relayed_head(since: int) -> int:
    """Return the head a connecting client is brought to: the last seq relayed to this process's
    clients when the relay knows it and the client is not ahead of it, else the log's head.

    The client was registered (LogFollower.pre_connect) before this, so every change after the
    relayed one reaches it live; reading the head from the log was a database query per connect
    (py-spy, 2,000 clients connecting: 14 % of the server's CPU). A client ahead of the relay (it saw
    a change another process committed and this one has not relayed yet) gets the log's head, as it
    did, and one ahead of the log a snapshot.
    """
    manager = socketio.server.manager
    known = getattr(manager, "known_head", None)
    head = (
        known()
        if known is not None and getattr(manager, "app", None) is current_app._get_current_object()
        else None
    )
    return head if head is not None and head >= since else head_seq()


def _known_head() -> int:
    """Return the last seq this process's clients were sent, without reading the log when it is known.

    A sync repeated by a flooder is answered "nothing new" from memory: reading the head for each one
    was a database query per packet (py-spy, ten flooders: 7.5 % of the server's CPU).
    """
    relayed = getattr(socketio.server.manager, "relayed", None)
    return head_seq() if relayed is None else relayed


def _answer(sid: str) -> None:
    """Answer a client's syncs, one at a time and within its budget, until none is waiting."""
    eio_sid = _connection(sid)
    clients = _clients()
    client = clients.get(eio_sid)
    try:
        while client.wanted is not None:
            socketio.sleep(client.replies.wait(time.monotonic()))
            client.replies.take(time.monotonic())
            since, client.wanted = client.wanted, None
            if client.sent is not None and client.sent >= _known_head():
                # Nothing relayed since its last catch-up: it was sent everything already.
                clients.ignore(eio_sid, "sync with nothing new", "a sync with nothing new to send")
                continue
            client.sent = catch_up(sid, since, client.batch)
    finally:
        client.busy = False


def _hang_up(eio_sid: str) -> None:
    """Disconnect a client and close its connection, so it cannot join again on the same one; its
    address's next connections start with a small read budget (webapp.live.guard.suspect)."""
    guard.suspect(transport.remote_address(socketio.server, eio_sid))
    sid = socketio.server.manager.sid_from_eio_sid(eio_sid, "/")
    if sid is not None:
        socketio.server.disconnect(sid)  # tells a socket.io client not to reconnect
    sock = transport.connection(socketio.server, eio_sid)
    if sock is not None:
        transport.end_session(sock)  # without waiting: a flooder that also stops reading would hold this


def check_sync(clients: ClientBook, eio_sid: str, *args) -> bool:
    """Tell whether a client's sync is to be answered now; count it when not, hang up an abuser.

    Called by the guard before dispatch (no app context): init_app binds the app's clients.
    """
    since = _since(args[0]) if len(args) == 1 else None
    if since is None:
        clients.ignore(eio_sid, "malformed sync", f"a sync without a valid 'since' ({shown(args)})")
        return False
    verdict = clients.ask(eio_sid, since)
    if verdict == "abuse":
        log.warning("disconnecting %s: it sent syncs far faster than any page would", eio_sid)
        _hang_up(eio_sid)
    return verdict == "answer"


def on_sync(*_args):
    """A client that saw a gap asks for everything after its last seq (checked by check_sync)."""
    _answer(request.sid)


def on_disconnect(*_reason):
    """Forget a client that left, saying how much of what it sent was ignored."""
    eio_sid = _connection(request.sid)
    _clients().forget(eio_sid)
    sock = transport.connection(socketio.server, eio_sid)
    if sock is not None and transport.is_open(sock):
        # One namespace, one connection: leaving it ends the connection, so joining again on the same
        # one cannot start a fresh budget (socket.io clients close the connection themselves).
        transport.end_session(sock)


def init_app(app) -> None:
    """Register the handlers on the default namespace, the packet guard, the outbox bound and the log lines.

    Raise transport.TransportError, having installed nothing, when a hooked library is not as pinned.
    """
    clients = app.extensions["clients"] = ClientBook()
    transport.install(
        socketio.server,
        clients,
        {SYNC: functools.partial(check_sync, clients)},
        app.config["SOCKETIO_MAX_QUEUED"],
        extension=socketio,
    )
    app.extensions["replays"] = Replays()
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event(SYNC, on_sync)
    audit_log.init()
