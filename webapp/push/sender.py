"""Deliver one encrypted, VAPID-signed message to many push services: asyncio + aiohttp, in the sender process.

Encryption runs in encryptor processes (webapp/push/encrypt.py), chunk by chunk, while the chunks
already encrypted go out. Each push service (origin) gets one keep-alive HTTP connection and one task
that sends on it in turn: a 429 pauses that service for its Retry-After, a 5xx or a network error
retries that message later with backoff, 404/410 means the subscription is gone. A service that
fails DOWN_AFTER times in a row at the network level (it hangs, or is away) is given up on for the
notice: a hanging service costs a few timeouts, not one per subscriber.
"""

import asyncio
import base64
import hashlib
import json
import logging
import random
import time
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from webapp.push.encrypt import CHUNK, encrypt_chunk
from webapp.push.endpoints import EndpointError, OutsideOnlyResolver, endpoint_url
from webapp.push.keys import VapidKeys

log = logging.getLogger(__name__)

SENT, GONE, FAILED = "sent", "gone", "failed"
VAPID_LIFETIME = 12 * 3600  # RFC 8292 allows at most 24 h
MAX_RETRY_DELAY = 120.0
DOWN_AFTER = 5  # network errors in a row after which a push service is given up on for this notice


@dataclass
class Delivery:
    """What happened to one notice: counts, and the subscriptions the push service says are gone."""

    counts: Counter = field(default_factory=Counter)
    gone: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Message:
    """One notice as sent: the payload per language and the RFC 8030 headers."""

    payloads: dict[str, bytes]
    topic: str
    urgency: str  # very-low | low | normal | high
    ttl: int


@dataclass(frozen=True)
class Target:
    """One subscription to send to, as stored."""

    sub_id: int
    endpoint: str
    p256dh: str
    auth: str
    lang: str


@dataclass
class _Outgoing:
    target: Target
    url: URL
    body: bytes
    attempt: int = 0


def topic_for(session_id: str) -> str:
    """Return an RFC 8030 Topic (at most 32 base64url characters): a newer notice replaces an undelivered one."""
    return base64.urlsafe_b64encode(hashlib.sha256(session_id.encode()).digest()).decode()[:32]


def retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_DELAY)
    try:
        return min(max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0), MAX_RETRY_DELAY)
    except (TypeError, ValueError, IndexError):
        return None


def backoff_delay(attempt: int, base: float) -> float:
    """Return an exponential delay with jitter for the given attempt (0-based)."""
    jitter = 1 + random.random() / 2  # noqa: S311 (spreads retries; not a secret)
    return min(base * 2**attempt * jitter, MAX_RETRY_DELAY)


class Sender:
    """Sends messages from one asyncio loop: `async with Sender(...) as sender: await sender.deliver(...)`."""

    def __init__(
        self,
        keys: VapidKeys,
        *,
        hosts: tuple[str, ...],
        allow_local: bool = False,
        encryptors: Executor | None = None,
        timeout: float = 10.0,
        attempts: int = 4,
        backoff: float = 1.0,
        resolver: AbstractResolver | None = None,
        ssl=True,
    ) -> None:
        self.keys, self.hosts, self.allow_local, self.encryptors = keys, hosts, allow_local, encryptors
        self.timeout, self.attempts, self.backoff = timeout, attempts, backoff
        self.resolver = OutsideOnlyResolver(resolver, allow_loopback=allow_local)
        self.ssl = ssl
        self.http: aiohttp.ClientSession | None = None
        self._vapid: dict[str, tuple[float, dict[str, str]]] = {}

    async def __aenter__(self) -> "Sender":
        # limit_per_host=1: one keep-alive connection per push service, whatever the fan-out.
        connector = aiohttp.TCPConnector(
            limit=0, limit_per_host=1, resolver=self.resolver, ssl=self.ssl, keepalive_timeout=60
        )
        self.http = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout), trust_env=False
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.close()

    def vapid_headers(self, url: URL) -> dict[str, str]:
        """Return the Authorization header for url's push service (aud), signed by the app's key."""
        aud = str(url.origin())
        now = time.time()
        cached = self._vapid.get(aud)
        if cached is None or cached[0] < now + 600:  # re-sign well before the token expires
            exp = int(now) + VAPID_LIFETIME
            headers = self.keys.signer.sign({"aud": aud, "exp": exp, "sub": self.keys.subject})
            cached = self._vapid[aud] = (exp, headers)
        return cached[1]

    async def deliver(self, targets: list[Target], message: Message) -> Delivery:
        """Encrypt and send message to every target; return the outcome once each has one."""
        run = _Run(self, message, len(targets))
        parsed = []
        for target in targets:
            try:  # parsed with the parser aiohttp uses; the URL object itself is what aiohttp gets
                url = endpoint_url(target.endpoint, self.hosts, self.allow_local)
                if self.resolver.refuses_literal(url.raw_host):
                    raise EndpointError(f"{url.raw_host} is inside a private network")
                parsed.append((target, url))
            except EndpointError as exc:
                log.warning("push subscription %s not sent to: %s", target.sub_id, exc)
                run.finish(target, FAILED)
        chunks = [parsed[i : i + CHUNK] for i in range(0, len(parsed), CHUNK)]
        try:
            await asyncio.gather(*(self._encrypt(run, chunk) for chunk in chunks))
            await run.finished.wait()
        finally:
            run.stop()
        return run.result

    async def _encrypt(self, run: "_Run", chunk: list[tuple[Target, URL]]) -> None:
        """Encrypt one chunk in an encryptor process, then queue its messages on their services."""
        items = [(t.p256dh, t.auth, run.message.payloads[t.lang]) for t, _ in chunk]
        bodies = await asyncio.get_running_loop().run_in_executor(self.encryptors, encrypt_chunk, items)
        for (target, url), body in zip(chunk, bodies, strict=True):
            if body is None:
                run.finish(target, FAILED)
            else:
                run.queue(_Outgoing(target, url, body))

    async def post(self, out: _Outgoing, message: Message) -> tuple[int | None, str | None]:
        """POST one message; return (status, Retry-After), or (None, None) after a network error."""
        headers = {
            **self.vapid_headers(out.url),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(message.ttl),
            "Urgency": message.urgency,
            "Topic": message.topic,
        }
        try:
            async with self.http.post(
                out.url, data=out.body, headers=headers, allow_redirects=False
            ) as answer:
                await answer.read()  # read to the end, so the connection is kept for the next message
                return answer.status, answer.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.info("push to %s failed: %s", out.url.raw_host, exc.__class__.__name__)
            return None, None


class _Run:
    """One notice's delivery: a queue and a sending task per push service, and the outcome so far."""

    def __init__(self, sender: Sender, message: Message, total: int) -> None:
        self.sender, self.message, self.left = sender, message, total
        self.result = Delivery()
        self.finished = asyncio.Event()
        self.queues: dict[str, asyncio.Queue] = {}
        self.tasks: list[asyncio.Task] = []
        self.timers: list[asyncio.TimerHandle] = []
        if total == 0:
            self.finished.set()

    def finish(self, target: Target, outcome: str) -> None:
        self.result.counts[outcome] += 1
        if outcome == GONE:
            self.result.gone.append(target.sub_id)
        self.left -= 1
        if self.left == 0:
            self.finished.set()

    def queue(self, out: _Outgoing) -> None:
        origin = str(out.url.origin())
        if origin not in self.queues:
            self.queues[origin] = asyncio.Queue()
            self.tasks.append(asyncio.create_task(self._service(self.queues[origin])))
        self.queues[origin].put_nowait(out)

    async def _service(self, queue: asyncio.Queue) -> None:
        """Send one push service's messages in turn, on its one connection."""
        sender, errors_in_a_row = self.sender, 0
        while True:
            out: _Outgoing = await queue.get()
            if errors_in_a_row >= DOWN_AFTER:  # it hangs or is away: the rest fail now, not a timeout each
                self.finish(out.target, FAILED)
                continue
            status, wait = await sender.post(out, self.message)
            errors_in_a_row = errors_in_a_row + 1 if status is None else 0
            if errors_in_a_row == DOWN_AFTER:
                log.warning("push service %s: %s network errors in a row; giving up on it for this notice",
                            out.url.raw_host, DOWN_AFTER)  # fmt: skip
            if status in (200, 201, 202):
                self.finish(out.target, SENT)
                continue
            if status in (404, 410):
                self.finish(out.target, GONE)
                continue
            out.attempt += 1
            retryable = status is None or status == 429 or status >= 500
            if not retryable or out.attempt >= sender.attempts:
                if status is not None and not retryable:
                    log.warning("push service %s refused a message: %s", out.url.raw_host, status)
                self.finish(out.target, FAILED)
                continue
            delay = retry_after(wait)
            if status == 429:
                # The service says slow down: this service's whole queue waits, the others go on.
                await asyncio.sleep(
                    delay if delay is not None else backoff_delay(out.attempt - 1, sender.backoff)
                )
                queue.put_nowait(out)
            else:  # this one message is retried later; the rest of the queue goes on meanwhile
                delay = delay if delay is not None else backoff_delay(out.attempt - 1, sender.backoff)
                self.timers.append(asyncio.get_running_loop().call_later(delay, queue.put_nowait, out))

    def stop(self) -> None:
        for timer in self.timers:
            timer.cancel()
        for task in self.tasks:
            task.cancel()


def payload(title: str, body: str, url: str, tag: str, seq: int) -> bytes:
    """Return the JSON the service worker's push handler shows as a notification."""
    return json.dumps(
        {"title": title, "body": body, "url": url, "tag": tag, "seq": seq}, ensure_ascii=False
    ).encode()
