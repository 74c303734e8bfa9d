"""Deliver one encrypted, VAPID-signed message to many push services, with retries, off any request."""

import base64
import hashlib
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from pywebpush import WebPusher
from requests.adapters import HTTPAdapter

from webapp.push.keys import VapidKeys

log = logging.getLogger(__name__)

SENT, GONE, FAILED = "sent", "gone", "failed"
VAPID_LIFETIME = 12 * 3600  # RFC 8292 allows at most 24 h
MAX_RETRY_DELAY = 120.0


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


def topic_for(session_id: str) -> str:
    """Return an RFC 8030 Topic (at most 32 base64url characters): a newer notice replaces an undelivered one."""
    return base64.urlsafe_b64encode(hashlib.sha256(session_id.encode()).digest()).decode()[:32]


def retry_delay(response: requests.Response | None, attempt: int, base: float) -> float:
    """Return how long to wait before the next attempt: Retry-After when given, else exponential with jitter."""
    header = response.headers.get("Retry-After") if response is not None else None
    if header and header.strip().isdigit():
        return min(float(header), MAX_RETRY_DELAY)
    jitter = 1 + random.random() / 2  # noqa: S311 (spreads retries; not a secret)
    return min(base * 2**attempt * jitter, MAX_RETRY_DELAY)


class Sender:
    """Sends messages with a bounded pool; one push service that hangs costs at most the timeout per try."""

    def __init__(
        self,
        keys: VapidKeys,
        *,
        concurrency: int = 64,
        timeout: float = 10.0,
        attempts: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.keys, self.timeout, self.attempts, self.backoff, self.sleep = (
            keys,
            timeout,
            attempts,
            backoff,
            sleep,
        )
        self.http = requests.Session()
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=concurrency)
        self.http.mount("https://", adapter)
        self.http.mount("http://", adapter)
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="push")
        self._vapid: dict[str, tuple[float, dict[str, str]]] = {}

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        """Return the Authorization header for endpoint's push service (aud), signed by the app's key."""
        parts = urlsplit(endpoint)
        aud = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._vapid.get(aud)
        if cached is None or cached[0] < now + 600:  # re-sign well before the token expires
            exp = int(now) + VAPID_LIFETIME
            headers = self.keys.signer.sign({"aud": aud, "exp": exp, "sub": self.keys.subject})
            cached = self._vapid[aud] = (exp, headers)
        return cached[1]

    def send_one(self, info: dict, payload: bytes, message: Message) -> str:
        """Send to one subscription, retrying 429, 5xx and network errors; return sent, gone or failed."""
        headers = {**self.vapid_headers(info["endpoint"]), "Urgency": message.urgency, "Topic": message.topic}
        for attempt in range(self.attempts):
            response = None
            try:
                response = WebPusher(info, requests_session=self.http).send(
                    payload, headers=dict(headers), ttl=message.ttl, timeout=self.timeout
                )
            except requests.RequestException as exc:
                log.info("push to %s failed: %s", urlsplit(info["endpoint"]).netloc, exc.__class__.__name__)
            else:
                if response.status_code in (200, 201, 202):
                    return SENT
                if response.status_code in (404, 410):
                    return GONE
                if response.status_code != 429 and response.status_code < 500:
                    log.warning("push service refused a message: %s", response.status_code)
                    return FAILED
            if attempt + 1 < self.attempts:
                self.sleep(retry_delay(response, attempt, self.backoff))
        return FAILED

    def deliver(self, targets: Iterable[tuple[int, dict, str]], message: Message) -> Delivery:
        """Send message to every (subscription id, info, lang) target, concurrently; return the outcome."""
        targets = list(targets)
        futures = [
            (sub_id, self.pool.submit(self._safe_send, info, message.payloads[lang], message))
            for sub_id, info, lang in targets
        ]
        result = Delivery()
        for sub_id, future in futures:
            outcome = future.result()
            result.counts[outcome] += 1
            if outcome == GONE:
                result.gone.append(sub_id)
        return result

    def _safe_send(self, info: dict, payload: bytes, message: Message) -> str:
        try:
            return self.send_one(info, payload, message)
        except Exception:  # a malformed stored key must not stop the others
            log.exception("push message could not be built")
            return FAILED


def payload(title: str, body: str, url: str, tag: str, seq: int) -> bytes:
    """Return the JSON the service worker's push handler shows as a notification."""
    return json.dumps(
        {"title": title, "body": body, "url": url, "tag": tag, "seq": seq}, ensure_ascii=False
    ).encode()
