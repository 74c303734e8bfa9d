"""The message queue between processes, made lossless: each process hands its clients every change once,
in seq order, and fills any gap from the change log.

Redis pub/sub forgets what it could not deliver: a change published while Redis is away, or while a
process is reconnecting, never reaches that process's clients, and they would not know until some later
change showed them the gap. So every process keeps the last seq it handed its clients; a change from
the queue that is older is dropped, one that skips ahead is preceded by the missing ones read from the
log, and a heartbeat reads the log's head every few seconds, so a committed change reaches every client
within two heartbeats even when the queue lost it and nothing follows it. One query per process per
heartbeat, however many clients it holds: the clients never see a gap, so they never storm the database.
"""

import logging
import threading
from collections.abc import Iterable

import socketio
from flask import Flask
from redis.backoff import NoBackoff
from redis.retry import Retry

from webapp.extensions import db
from webapp.live.changes import public_change
from webapp.live.log import changes_since, head_seq
from webapp.live.protocol import CHANGE

log = logging.getLogger(__name__)
CHUNK = 500


class RoomIndex:
    """Know each client's rooms, so that a disconnect costs the same with 10 clients or 10,000.

    python-socketio finds a leaving client's rooms by testing every room of the namespace
    (socketio/base_manager.py:138, and get_rooms at :195), and every client has a room of its own:
    each disconnect cost O(clients), and 4,000 clients dropping at once took 6.5 s of CPU.
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
        # The same steps as BaseManager.basic_disconnect, without its scan over every room.
        for room in list(self._joined.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]


class ReadyPackets:
    """Send packets encoded once (webapp.live.replay) to one client of this process, bypassing the queue.

    The same steps as Manager.emit for a room (socketio/manager.py:41-52): one encoded packet, handed
    to engine.io for each client. A catch-up is for a client of this process, so it never needs the
    message queue, which PubSubManager.emit would publish it to (socketio/pubsub_manager.py:54-80).
    """

    def send_ready(self, sid: str, packets, namespace: str = "/") -> None:
        """Send each ready engine.io packet to one client, in order; nothing if it has left."""
        eio_sid = self.eio_sid_from_sid(sid, namespace)
        if eio_sid is None:
            return
        for packet in packets:
            self.server._send_eio_packet(eio_sid, packet)


class LocalManager(ReadyPackets, RoomIndex, socketio.Manager):
    """The client manager for one process."""


class LogRelay(ReadyPackets, RoomIndex, socketio.RedisManager):
    """A Redis client manager that relays changes to this process's clients in seq order, gaps filled."""

    name = "redis"

    def __init__(self, url: str, channel: str, app: Flask, heartbeat: float) -> None:
        # A queue that is away must not hold up a staff change: one quick try, no backoff (redis-py
        # retries three times by default; with python-socketio's own second attempt a publish took 0.6 s).
        options = {"socket_connect_timeout": 2, "retry": Retry(NoBackoff(), 0)}
        super().__init__(url, channel=channel, redis_options=options)
        self.app, self.heartbeat = app, heartbeat
        self.relayed: int | None = None  # the last seq this process's clients were sent
        self._lock = threading.Lock()  # a gevent lock once the standard library is patched
        self._queue_state = "starting"

    def initialize(self) -> None:
        """Start listening to the queue, and the heartbeat that reads the log's head."""
        # Called when the first client connects: from here on, every change after the head is relayed.
        self._read_head()
        super().initialize()
        self.server.start_background_task(self._beat)

    def _redis_listen_with_retries(self):
        # python-socketio's loop (socketio/redis_manager.py:177), saying when the queue is back and
        # reading the log then: what was published while this process was not subscribed is gone.
        retry_sleep, subscribed = 1, False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed, retry_sleep = True, 1
                    self._queue_is("up", "subscribed")
                yield from self.pubsub.listen()
            except Exception as exc:
                self._queue_is("down", f"cannot receive ({exc}); retrying in {retry_sleep} s")
                subscribed = False
                self.server.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, 60)

    def _queue_is(self, state: str, detail: str) -> None:
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
            self.server.start_background_task(self._safe_catch_up)

    def _handle_emit(self, message: dict) -> None:
        data = message.get("data")
        change = data[0] if isinstance(data, list) and len(data) == 1 else None
        if message.get("event") != CHANGE or message.get("room") or not isinstance(change, dict):
            super()._handle_emit(message)
            return
        with self._lock:
            start, seq = self.relayed, change.get("seq")
            if start is None or not isinstance(seq, int) or seq <= start:
                return  # no client yet, or already sent (the queue and the log both brought it)
            if seq > start + 1:
                self._fill(start, seq - 1, "the message queue skipped them")
            self._send([change])

    def catch_up(self, reason: str = "the message queue did not deliver them") -> None:
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
        log.warning("relaying changes %d-%d from the change log: %s", start + 1, end, reason)
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
            socketio.Manager.emit(self, CHANGE, change, namespace="/")
            self.relayed = change["seq"]

    def _safe_catch_up(self) -> None:
        try:
            self.catch_up()
        except Exception as exc:  # the database is away: the next heartbeat tries again
            log.warning("could not read the change log: %s", exc)

    def _beat(self) -> None:
        # A change seen at the head for a whole heartbeat and still not relayed was lost on the queue;
        # one seen only now may be on its way, so it gets one more beat.
        seen = None
        while True:
            self.server.sleep(self.heartbeat)
            try:
                with self.app.app_context():
                    head = head_seq()
                    db.session.remove()
            except Exception as exc:  # the database is away: pages keep their data, try again next beat
                log.warning("heartbeat could not read the change log: %s", exc)
                continue
            if self.relayed is None or (seen is not None and min(seen, head) > self.relayed):
                self._safe_catch_up()
            seen = head

    def _publish(self, data: dict) -> None:
        if super()._publish(data) is None:
            self._queue_is("down", "cannot publish")
            log.error(
                "could not publish change to the message queue: the other processes read it from the log "
                "within %.0f s",
                2 * self.heartbeat,
            )
        else:
            self._queue_is("up", "published")


def client_manager(app: Flask) -> socketio.Manager:
    """Return the client manager: one process's own, or the relay over the app's message queue."""
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return LocalManager()
    return LogRelay(url, app.config["SOCKETIO_CHANNEL"], app, float(app.config["SOCKETIO_HEARTBEAT"]))
