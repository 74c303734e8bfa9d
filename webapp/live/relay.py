"""Every committed change reaches this process's clients once, in seq order, whoever committed it.

The change log is the source of truth for delivery. Each process keeps the last seq it handed its
clients (`relayed`) and one heartbeat task reads the log's head every SOCKETIO_HEARTBEAT seconds (one
indexed read per process, however many clients; none while it has no client) and relays what it has not
sent. A change this process publishes is sent at once; one another process committed (`flask
follow-schedule`, a second `flask` command, another app process) arrives with the next beat. A change
older than `relayed` is dropped (it was sent already); one that skips ahead is preceded by the missing
ones, read from the log. So the clients never see a gap, and never storm the database to fill one.

With Redis as the message queue (LogRelay) the queue only brings other processes' changes sooner: Redis
pub/sub forgets what it could not deliver, so while this process is not subscribed every beat reads the
log, and while it is, a change at the head that the queue has not brought for a whole beat is read then.

What this needs from python-socketio's client managers beyond their public methods (a room index, the
Redis manager's listen loop, publish and message steps, sending ready packets, a broadcast framed once)
is in webapp.live.transport (RoomIndex, QueueHooks, send_packets, broadcast).
"""

import logging
import threading
from collections.abc import Iterable

import socketio
from flask import Flask
from redis.backoff import NoBackoff
from redis.retry import Retry

from webapp import extensions
from webapp.extensions import db
from webapp.live import transport
from webapp.live.changes import public_change
from webapp.live.log import changes_since, head_seq
from webapp.live.protocol import CHANGE
from webapp.live.transport import QueueHooks, RoomIndex

log = logging.getLogger(__name__)
CHUNK = 500


class ReadyPackets:
    """Send packets encoded once (webapp.live.replay) to one client of this process, bypassing the queue.

    The same steps as Manager.emit for a room (python-socketio 5.18): one encoded packet, handed to
    engine.io for each client. A catch-up is for a client of this process, so it never needs the
    message queue, which PubSubManager.emit would publish it to.
    """

    def send_ready(self, sid: str, packets, namespace: str = "/") -> None:
        """Send each ready engine.io packet to one client, in order; nothing if it has left."""
        eio_sid = self.eio_sid_from_sid(sid, namespace)
        if eio_sid is None:
            return
        transport.send_packets(self.server, eio_sid, packets)


def broadcast_change(event: str, data, room) -> dict | None:
    """Return the change when an emit is a change for every client (what publish() sends), else None."""
    if event != CHANGE or room is not None or not isinstance(data, dict):
        return None
    return data if isinstance(data.get("seq"), int) else None


class LogFollower:
    """Hand this process's clients every committed change once, in seq order, the log filling any gap."""

    def follow_log(self, app: Flask, heartbeat: float) -> None:
        """Set the app whose change log is followed, and the seconds between reads of its head."""
        self.app, self.heartbeat = app, heartbeat
        self.relayed: int | None = None  # the last seq this process's clients were sent; None: no client
        self._lock = threading.Lock()  # a gevent lock once the standard library is patched
        self._watching = False

    def queue_receiving(self) -> bool:
        """Tell whether a message queue is bringing other processes' changes right now."""
        return False

    def known_head(self) -> int | None:
        """Return the last seq relayed, every change up to it sent to every client registered by then,
        or None while none is (no client yet, or the log's head could not be read).

        Read under the lock that deliveries hold: a change being sent (or a gap being filled) is
        finished first, so every later change reaches a client registered before this call.
        """
        with self._lock:
            return self.relayed

    def pre_connect(self, eio_sid, namespace):
        """Register a client; the first one starts the heartbeat, from the log's head as it is now."""
        # Before the connect handler's catch-up (python-socketio 5.18: Server._handle_connect): what it reads
        # is at or after this head, so every later change reaches the client live.
        if not self._watching:
            with self._lock:
                if not self._watching:
                    self._watching = True
                    self._read_head()
                    self.server.start_background_task(self._beat)
        return super().pre_connect(eio_sid, namespace)

    def deliver(self, change: dict) -> None:
        """Send a change to this process's clients unless it was sent; send any it skips first."""
        with self._lock:
            start, seq = self.relayed, change["seq"]
            if start is None or seq <= start:
                return  # no client yet, or already sent (published here, or read from the log)
            if seq > start + 1:
                self._fill(start, seq - 1, "the message queue skipped them")
            self._send([change])

    def catch_up(self, reason: str) -> None:
        """Send this process's clients every committed change they were not sent yet."""
        with self._lock:
            if self.relayed is None:
                self._read_head()
                return
            with self.app.app_context():
                head = head_seq()
                db.session.remove()
            if head > self.relayed:
                self._fill(self.relayed, head, reason)

    def _read_head(self) -> None:
        try:
            with self.app.app_context():
                self.relayed = head_seq()
                db.session.remove()
        except Exception as exc:  # the database is away: the heartbeat reads the head when it is back
            log.warning("could not read the change log's head: %s", exc)

    def _fill(self, start: int, end: int, reason: str) -> None:
        # Another process's commits are routine without a queue; with one, they mean it lost them.
        (log.warning if isinstance(self, socketio.PubSubManager) else log.info)(
            "relaying changes %d-%d from the change log: %s", start + 1, end, reason
        )
        with self.app.app_context():
            while start < end:
                chunk = [public_change(c) for c in changes_since(start, min(CHUNK, end - start))]
                if not chunk:
                    break
                self._send(chunk)
                start = chunk[-1]["seq"]
            db.session.remove()

    def _send(self, changes: Iterable[dict]) -> None:
        for change in changes:
            transport.broadcast(self, CHANGE, change)  # framed once, written at once where it can be
            self.relayed = change["seq"]

    def _safe_catch_up(self, reason: str) -> None:
        try:
            self.catch_up(reason)
        except Exception as exc:  # the database is away: the next heartbeat tries again
            log.warning("could not read the change log: %s", exc)

    def _still_needed(self) -> bool:
        # No client left (one read a second is for clients), or a newer app took the server (tests).
        server = getattr(extensions.socketio, "server", None)
        if transport.has_clients(self) and server is not None and server.manager is self:
            return True
        with self._lock:
            self._watching, self.relayed = False, None
        return False

    def _beat(self) -> None:
        # While a queue is receiving, a change it has not brought for a whole beat was lost on it; one
        # seen at the head only now may be on its way, so it gets one more beat. Without one, none is.
        seen = None
        while True:
            self.server.sleep(self.heartbeat)
            if not self._still_needed():
                return
            try:
                with self.app.app_context():
                    head = head_seq()
                    db.session.remove()
            except Exception as exc:  # the database is away: pages keep their data, try again next beat
                log.warning("heartbeat could not read the change log: %s", exc)
                continue
            relayed = self.relayed
            if relayed is None:
                self._safe_catch_up("")
            elif head > relayed:
                if not self.queue_receiving():
                    self._safe_catch_up("committed by another process")
                elif seen is not None and min(seen, head) > relayed:
                    self._safe_catch_up("the message queue did not deliver them")
            seen = head


class LocalManager(ReadyPackets, LogFollower, RoomIndex, socketio.Manager):
    """The client manager for one process: publish() and the log's heartbeat both deliver through it."""

    def __init__(self, app: Flask, heartbeat: float) -> None:
        super().__init__()
        self.follow_log(app, heartbeat)

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        """Emit an event; a change for every client goes in seq order, once (see LogFollower)."""
        change = broadcast_change(event, data, to or room)
        if change is not None and namespace in (None, "/") and skip_sid is None and callback is None:
            self.deliver(change)
            return
        super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)


class LogRelay(ReadyPackets, LogFollower, RoomIndex, QueueHooks, socketio.RedisManager):
    """A Redis client manager: the queue brings other processes' changes sooner; the log makes it lossless."""

    name = "redis"

    def __init__(self, url: str, channel: str, app: Flask, heartbeat: float) -> None:
        # A queue that is away must not hold up a staff change: one quick try, no backoff (redis-py
        # retries three times by default; with python-socketio's own second attempt a publish took 0.6 s).
        options = {"socket_connect_timeout": 2, "retry": Retry(NoBackoff(), 0)}
        super().__init__(url, channel=channel, redis_options=options)
        self.follow_log(app, heartbeat)
        self._queue_state = "starting"

    def queue_receiving(self) -> bool:
        """Tell whether this process is subscribed to the queue right now."""
        return self.receiving

    def emit(self, event, data, namespace=None, room=None, **kwargs):
        """Publish an event to every process; a change is also sent to this process's clients at once."""
        super().emit(event, data, namespace=namespace, room=room, **kwargs)
        change = broadcast_change(event, data, kwargs.get("to") or room)
        if change is not None and not kwargs.get("skip_sid") and not kwargs.get("callback"):
            self.deliver(change)  # its echo from the queue is then dropped as sent

    def queue_is(self, state: str, detail: str) -> None:
        """Log when the queue goes away or comes back; when it is back, catch up from the log."""
        if state == self._queue_state:
            return
        was, self._queue_state = self._queue_state, state
        if state == "down":
            log.error(
                "message queue (channel %s) is away: %s; changes go on through the log", self.channel, detail
            )
        elif was == "down":
            log.warning(
                "message queue (channel %s) is back (%s); catching up from the log", self.channel, detail
            )
            self.server.start_background_task(self._safe_catch_up, "the message queue did not deliver them")

    def from_queue(self, message: dict) -> bool:
        """Deliver a change that came through the queue, in seq order; tell whether it was one."""
        data = message.get("data")
        change = data[0] if isinstance(data, list) and len(data) == 1 else None
        change = broadcast_change(message.get("event"), change, message.get("room"))
        if change is not None:
            self.deliver(change)
        return change is not None

    def published(self, ok: bool) -> None:
        """Note whether publishing to the queue worked; the other processes read the log when it did not."""
        if ok:
            self.queue_is("up", "published")
            return
        self.queue_is("down", "cannot publish")
        log.error(
            "could not publish change to the message queue: the other processes read it from the log within %.0f s",
            self.heartbeat,
        )


def client_manager(app: Flask) -> socketio.Manager:
    """Return the client manager: one process's own, or the relay over the app's message queue."""
    heartbeat = float(app.config["SOCKETIO_HEARTBEAT"])
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return LocalManager(app, heartbeat)
    return LogRelay(url, app.config["SOCKETIO_CHANNEL"], app, heartbeat)
