"""What the server remembers about each connection: its catch-up budget and what it sent that was ignored.

A client is one engine.io connection (its sid): the record is made when it opens and dropped when it
closes, so nothing the client sends on it (a namespace connect or disconnect, a `disconnect` event)
gives it a fresh budget or a fresh "first of its kind" log line.

A sync costs the server a reply of up to a snapshot (10-47 KB) for a packet of 22 bytes, so each client
gets a budget: catch-ups are answered at most SYNC_RATE a second (SYNC_BURST at once); a sync that
arrives while one is waiting or running is merged into it (the lowest `since` wins); a sync is not
answered when nothing was committed since the client was last caught up (it has already been sent
everything); and a client that sends syncs much faster than any page would is disconnected.
Ignored packets are logged once per client and kind, and counted in one line when it leaves.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# Catch-up replies per second per client, and how many at once.
SYNC_RATE = 2.0
SYNC_BURST = 4
# Sync packets per second per client beyond which it is abusing, and how many it may send at once
# (a page sends one per change that arrives after a gap: a bulk of hundreds of changes stays under it).
ABUSE_RATE = 20.0
ABUSE_BURST = 1000
# Longest text of a client's own (an event name) put in the log.
SHOWN = 60


@dataclass(slots=True)
class Bucket:
    """A token bucket: `rate` tokens a second, at most `burst`."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last refill."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float) -> bool:
        """Take one token if there is one; tell whether there was."""
        self.refill(now)
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def wait(self, now: float) -> float:
        """Return the seconds until a token is available."""
        return self.wait_for(1, now)

    def available(self, now: float) -> float:
        """Return the tokens there are now."""
        self.refill(now)
        return self.tokens

    def wait_for(self, amount: float, now: float) -> float:
        """Return the seconds until `amount` tokens are available."""
        self.refill(now)
        return max(0.0, (amount - self.tokens) / self.rate)

    def spend(self, amount: float, now: float) -> None:
        """Take `amount` tokens, going into debt if there are fewer (the next waits are longer)."""
        self.refill(now)
        self.tokens -= amount


@dataclass(slots=True)
class Client:
    """One connected client's catch-up state and ignored packets."""

    replies: Bucket = field(default_factory=lambda: Bucket(SYNC_RATE, SYNC_BURST))
    packets: Bucket = field(default_factory=lambda: Bucket(ABUSE_RATE, ABUSE_BURST))
    sent: int | None = None  # the head seq the client was last caught up to
    wanted: int | None = None  # the lowest `since` asked for and not answered yet
    busy: bool = False  # a catch-up for this client is waiting or running
    batch: bool = False  # it reads a catch-up as one CHANGES message (auth {batch: true})
    ignored: Counter = field(default_factory=Counter)


class ClientBook:
    """Every connected client's Client, by sid (one process's clients)."""

    def __init__(self) -> None:
        self._clients: dict[str, Client] = {}

    def connect(self, sid: str) -> Client:
        """Start remembering a client that connected (or keep what is remembered); return its state."""
        return self._clients.setdefault(sid, Client())

    def get(self, sid: str) -> Client:
        """Return the client's state (a throwaway one for a client that already left)."""
        return self._clients.get(sid) or Client()

    def ask(self, sid: str, since: int) -> str:
        """Record a sync: return "answer" (the caller runs the catch-up), "merged" or "abuse"."""
        client = self.get(sid)
        if not client.packets.take(time.monotonic()):
            return "abuse"
        client.wanted = since if client.wanted is None else min(client.wanted, since)
        if client.busy:
            self.ignore(sid, "merged sync", "a sync while one was pending (merged into it)")
            return "merged"
        client.busy = True
        return "answer"

    def ignore(self, sid: str, kind: str, detail: str) -> None:
        """Count an ignored packet; log the first of its kind from this client."""
        client = self.get(sid)
        client.ignored[kind] += 1
        if client.ignored[kind] == 1:
            log.warning("ignored %s from %s (more of this kind are counted until it leaves)", detail, sid)

    def forget(self, sid: str) -> None:
        """Drop a client that left; log how many of its packets were ignored, if any."""
        client = self._clients.pop(sid, None)
        if client is not None and sum(client.ignored.values()) > 1:
            counts = ", ".join(f"{n} {kind}" for kind, n in sorted(client.ignored.items()))
            log.warning("client %s left; ignored from it: %s", sid, counts)


def shown(value: object) -> str:
    """Return a client's value as it goes in the log: repr, cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."
