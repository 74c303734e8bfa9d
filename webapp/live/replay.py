"""Catch-up answers, built once and sent ready-made to every client that needs the same one.

When a venue's Wi-Fi comes back, hundreds of phones reconnect at once, most with the same `since`.
Answering each on its own cost the server most of its time in `bench/reconnect_storm.py` (py-spy:
reading the log 25 %, the public form of each change 12 %, and python-socketio building a packet per
emit 30 %: it encodes once per call and walks every value looking for binary data (python-socketio
5.18). Behind a message queue it was worse: an emit to one client is published to every process, though
only this one holds the socket.

Here the answer to (since, head) is read, turned public and encoded once, kept for the next clients,
and handed to engine.io as ready packets for this process's own client. A page that reads batches
(auth `{"batch": true}`) gets what it missed as one `changes` message: one websocket frame, not one
per change. Other clients (older pages, tools) get one `change` message per change, as before.
"""

import threading
import time
from collections import OrderedDict

from engineio import packet as eio_packet

from webapp.live.changes import public_change
from webapp.live.log import changes_since, snapshot
from webapp.live.protocol import CHANGE, CHANGES, REPLAY_LIMIT, SNAPSHOT, SYNCED
from webapp.live.transport import encode_event

# Answers kept per process: a storm needs a handful (one per distinct `since`), each at most
# REPLAY_LIMIT changes or one snapshot.
KEPT = 64


def needs_snapshot(since: int, head: int) -> bool:
    """Tell whether a client at since is too far behind (or ahead: another database) to replay."""
    # seq has no gaps (tests/live/test_changes.py), so head - since is the number of changes missed.
    return since > head or head - since > REPLAY_LIMIT


class Replays:
    """One process's catch-up answers by (since, head, batch), least recently used dropped first."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._answers: OrderedDict[tuple, tuple[eio_packet.Packet, ...]] = OrderedDict()
        self._lock = threading.Lock()  # a gevent lock once serve.py has patched the standard library

    def answer(self, server, since: int, head: int, batch: bool) -> tuple[eio_packet.Packet, ...]:
        """Return the packets that bring a client from since to (at least) head, ending with SYNCED."""
        # A snapshot holds the active announcements, so it is kept for a minute at most.
        too_far = needs_snapshot(since, head)
        key = ("snapshot", head, int(time.time() // 60)) if too_far else (since, head, batch)
        with self._lock:  # one build per key: the clients of a storm wait for the first
            packets = self._answers.get(key)
            if packets is None:
                messages = self._messages(since, head, batch, too_far)
                packets = self._answers[key] = tuple(encode_event(server, *m) for m in messages)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
            self._answers.move_to_end(key)
            return packets

    @staticmethod
    def _messages(since: int, head: int, batch: bool, too_far: bool) -> list[tuple[str, object]]:
        # head was read before this, so every change up to it is committed and read here; a change
        # committed since may come too, and applying it twice (here and live) is harmless.
        if too_far:
            return [(SNAPSHOT, snapshot()), (SYNCED, {"seq": head})]
        missed = [public_change(c) for c in changes_since(since, REPLAY_LIMIT)]
        if batch and missed:
            return [(CHANGES, {"changes": missed}), (SYNCED, {"seq": head})]
        return [*((CHANGE, change) for change in missed), (SYNCED, {"seq": head})]
