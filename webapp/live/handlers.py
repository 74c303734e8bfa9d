"""Socket.IO handlers: catch up clients that missed changes; ignore anything a client tries to publish.

Every change goes to every client (announcements for one venue too, flagged with that venue): a
client then sees every seq, so a gap always means it missed something and must catch up.
"""

import logging

from flask import request

from webapp.extensions import socketio
from webapp.live.changes import public_change
from webapp.live.log import changes_since, head_seq, snapshot
from webapp.live.protocol import CHANGE, REPLAY_LIMIT, SNAPSHOT, SYNC, SYNCED

log = logging.getLogger(__name__)


def _since(data) -> int | None:
    since = data.get("since") if isinstance(data, dict) else None
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        return None
    return since


def catch_up(sid: str, since: int) -> None:
    """Send one client every change after since, in order, or a snapshot when it is too far behind."""
    head = head_seq()
    missed = changes_since(since, REPLAY_LIMIT + 1) if since <= head else None
    if missed is None or len(missed) > REPLAY_LIMIT:
        socketio.emit(SNAPSHOT, snapshot(), to=sid)
    else:
        for change in missed:
            socketio.emit(CHANGE, public_change(change), to=sid)
    socketio.emit(SYNCED, {"seq": head}, to=sid)


def on_connect(auth=None):
    """An attendee page connects with auth {since: last seq it has}; it is sent what it missed."""
    since = _since(auth)
    if since is not None:
        catch_up(request.sid, since)


def on_sync(data=None):
    """A client that saw a gap asks for everything after its last seq."""
    since = _since(data)
    if since is None:
        log.warning("ignored a sync without a valid 'since' from %s", request.sid)
        return
    catch_up(request.sid, since)


def on_anything_else(event, data=None):
    """Clients cannot publish: any other event is ignored and logged."""
    log.warning("ignored socket event %r from %s", event, request.sid)


def init_app() -> None:
    """Register the handlers on the default namespace."""
    socketio.on_event("connect", on_connect)
    socketio.on_event(SYNC, on_sync)
    socketio.on_event("*", on_anything_else)
