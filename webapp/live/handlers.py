"""Socket.IO handlers: catch up clients that missed changes; ignore anything a client tries to publish.

Every change goes to every client (announcements for one venue too, flagged with that venue): a
client then sees every seq, so a gap always means it missed something and must catch up. Catch-up
is budgeted per client (webapp.live.clients); malformed packets are dropped by webapp.live.guard.
"""

import logging
import time

from flask import current_app, request

from webapp.extensions import socketio
from webapp.live import audit_log, guard, outbox
from webapp.live.clients import ClientBook, shown
from webapp.live.log import head_seq
from webapp.live.protocol import SYNC
from webapp.live.replay import Replays

log = logging.getLogger(__name__)
clients = ClientBook()


def _since(data) -> int | None:
    since = data.get("since") if isinstance(data, dict) else None
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        return None
    return since


def catch_up(sid: str, since: int, batch: bool = False) -> int:
    """Send one client every change after since, in order, or a snapshot when it is too far behind.

    Return the head seq the client was brought to.
    """
    head = head_seq()  # after the client joined: what is committed later reaches it live
    replays = current_app.extensions["replays"]  # per app: each has its own log
    socketio.server.manager.send_ready(sid, replays.answer(socketio.server, since, head, batch))
    return head


def on_connect(auth=None):
    """An attendee page connects with auth {since: last seq it has}; it is sent what it missed."""
    since = _since(auth)
    client = clients.connect(request.sid)
    client.batch = isinstance(auth, dict) and auth.get("batch") is True
    if since is not None:
        client.replies.take(time.monotonic())
        client.sent = catch_up(request.sid, since, client.batch)


def _answer(sid: str) -> None:
    """Answer a client's syncs, one at a time and within its budget, until none is waiting."""
    client = clients.get(sid)
    try:
        while client.wanted is not None:
            socketio.sleep(client.replies.wait(time.monotonic()))
            client.replies.take(time.monotonic())
            since, client.wanted = client.wanted, None
            if client.sent is not None and head_seq() == client.sent:
                # Nothing committed since its last catch-up: it was sent everything already.
                clients.ignore(sid, "sync with nothing new", "a sync with nothing new to send")
                continue
            client.sent = catch_up(sid, since, client.batch)
    finally:
        client.busy = False


def _hang_up(sid: str) -> None:
    """Disconnect a client and close its connection, so it cannot join again on the same one."""
    eio_sid = socketio.server.manager.eio_sid_from_sid(sid, "/")
    socketio.server.disconnect(sid)  # tells a socket.io client not to reconnect
    sock = socketio.server.eio.sockets.get(eio_sid) if eio_sid is not None else None
    if sock is not None:
        outbox.end_session(sock)  # without waiting: a flooder that also stops reading would hold this


def on_sync(*args):
    """A client that saw a gap asks for everything after its last seq."""
    sid = request.sid
    since = _since(args[0]) if len(args) == 1 else None
    if since is None:
        clients.ignore(sid, "malformed sync", f"a sync without a valid 'since' ({shown(args)})")
        return
    verdict = clients.ask(sid, since)
    if verdict == "abuse":
        log.warning("disconnecting %s: it sent syncs far faster than any page would", sid)
        _hang_up(sid)
    elif verdict == "answer":
        _answer(sid)


def on_anything_else(event, *args):
    """Clients cannot publish: any other event is ignored and logged (once per client)."""
    clients.ignore(request.sid, "unknown event", f"socket event {shown(event)}")


def on_disconnect(*_reason):
    """Forget a client that left, saying how much of what it sent was ignored."""
    clients.forget(request.sid)


def init_app(app) -> None:
    """Register the handlers on the default namespace, the packet guard, the outbox bound and the log lines."""
    app.extensions["replays"] = Replays()
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event(SYNC, on_sync)
    socketio.on_event("*", on_anything_else)
    guard.init_server(socketio.server)
    outbox.init_server(socketio.server, app.config["SOCKETIO_MAX_QUEUED"])
    audit_log.init()
