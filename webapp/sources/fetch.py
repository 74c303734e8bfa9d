"""Fetch a schedule source (a file or an http(s) URL) and read it in whichever format it is.

A source is someone else's server, polled for hours by `follow-schedule`; nothing it does may hold
the follower or blow up its memory. A fetch has one deadline for everything (connecting, redirects,
headers, body), follows redirects only within the source's own origin, and bounds the bytes it reads
and what they decompress to. Each limit fails with one sentence saying which.
"""

import contextlib
import http.client
import json
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from webapp.sources.c3json import read_c3voc_json
from webapp.sources.deviations import refuse
from webapp.sources.frabxml import read_frab_xml
from webapp.sources.ical import read_ical
from webapp.sources.model import ScheduleError, SourceSchedule

MAX_BYTES = 50 * 1024 * 1024  # read, and decompressed: a big congress's schedule is ~2 MB
TIMEOUT_SECONDS = 20  # for one read of the socket
DEADLINE_SECONDS = 60  # for the whole fetch: a source that drips a byte a second is cut off here
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "VenueLive-import-schedule/1"
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Fetched:
    """A source's bytes and the validators to ask for the next version with (None: not modified)."""

    raw: bytes | None
    etag: str | None = None
    last_modified: str | None = None


def is_url(source: str) -> bool:
    """Return whether source is an http(s) URL rather than a file path."""
    return source.startswith(("http://", "https://"))


def _too_large(source: str, what: str = "is larger than") -> ScheduleError:
    return ScheduleError(f"{source} {what} {MAX_BYTES // 1024 // 1024} MB; that is not a schedule.")


def _read_file(source: str) -> bytes:
    try:
        with Path(source).open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScheduleError(f"Could not read {source} ({exc.strerror or exc}).") from None
    if len(raw) > MAX_BYTES:
        raise _too_large(source)
    return raw


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:  # a port that is not a number
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


class _Deadline:
    """The time one fetch may take in all; shuts the open socket when it passes, whatever it is waiting for."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.passed = False
        self._timer: threading.Timer | None = None

    def left(self) -> float:
        return self.end - time.monotonic()

    def watch(self, connection: http.client.HTTPConnection) -> None:
        """Shut connection's socket at the deadline (a blocked read then returns at once)."""
        self.cancel()

        def expire() -> None:
            self.passed = True
            sock = connection.sock
            if sock is not None:
                # The plain socket's shutdown, also under TLS: it wakes the reader without touching TLS state.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

        self._timer = threading.Timer(max(self.left(), 0), expire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def check(self, source: str) -> None:
        if self.passed or self.left() <= 0:
            self.passed = True
            raise ScheduleError(
                f"{source} did not send the whole schedule within {self.seconds:g} s; it is too slow."
            )


class _Body:
    """Bytes read from a response, decompressed as they come, bounded before and after."""

    def __init__(self, source: str, encoding: str | None) -> None:
        self.source, self.size, self.parts = source, 0, []
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            # 32 + 15: a gzip or zlib header, whichever it is (servers label "deflate" both ways).
            self.decoder = zlib.decompressobj(32 + zlib.MAX_WBITS)
        elif encoding == "identity":
            self.decoder = None
        else:
            raise ScheduleError(
                f"{source} sent its schedule encoded as '{encoding[:40]}', which is not supported."
            )
        self.read_bytes = 0

    def add(self, chunk: bytes) -> None:
        self.read_bytes += len(chunk)
        if self.read_bytes > MAX_BYTES:
            raise _too_large(self.source)
        if self.decoder is None:
            self._keep(chunk)
            return
        data = chunk
        try:
            while data:
                self._keep(self.decoder.decompress(data, MAX_BYTES + 1 - self.size))
                data = self.decoder.unconsumed_tail
        except zlib.error as exc:
            raise ScheduleError(
                f"{self.source} sent a compressed body that does not decompress ({exc})."
            ) from None

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > MAX_BYTES:
            raise _too_large(self.source, "decompresses to more than")
        self.parts.append(data)

    def bytes(self) -> bytes:
        if self.decoder is not None:
            try:
                self._keep(self.decoder.flush())
            except zlib.error as exc:
                raise ScheduleError(
                    f"{self.source} sent a compressed body that does not decompress ({exc})."
                ) from None
        return b"".join(self.parts)


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        return kind(parts.hostname or "", parts.port, timeout=timeout)
    except ValueError:  # a port that is not a number
        raise ScheduleError(f"{url} is not a URL that can be fetched.") from None


def _get(
    source: str, url: str, headers: dict[str, str], deadline: _Deadline
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """Send one GET; return the connection and its response, headers read (the caller reads the body)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(url, min(TIMEOUT_SECONDS, max(deadline.left(), 0.1)))
    deadline.watch(connection)
    try:
        connection.request("GET", path, headers=headers)
        return connection, connection.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        deadline.check(source)
        raise ScheduleError(
            f"Could not reach {source} ({getattr(exc, 'reason', None) or exc or type(exc).__name__})."
        ) from None


def _read_body(source: str, response: http.client.HTTPResponse, deadline: _Deadline) -> bytes:
    body = _Body(source, response.getheader("Content-Encoding"))
    try:
        while chunk := response.read1(CHUNK):
            body.add(chunk)
            deadline.check(source)
    except (OSError, http.client.HTTPException) as exc:
        deadline.check(source)
        raise ScheduleError(f"Could not read all of {source} ({exc or type(exc).__name__}).") from None
    deadline.check(source)
    return body.bytes()


def _fetch_url(source: str, etag: str | None, last_modified: str | None, deadline: _Deadline) -> Fetched:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json, application/xml, text/calendar, */*",
        "Accept-Encoding": "gzip",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    url = source
    for _ in range(MAX_REDIRECTS + 1):
        connection, response = _get(source, url, headers, deadline)
        try:
            if response.status in _REDIRECTS:
                target = urljoin(url, response.getheader("Location") or "")
                if _origin(target) != _origin(source) or not is_url(target):
                    raise ScheduleError(
                        f"{source} redirects to {target[:200]}, another origin; a schedule is followed only "
                        "within its own origin, so give that address as the source if you trust it."
                    )
                url = target
                continue
            if response.status == 304:
                return Fetched(None, etag, last_modified)
            if response.status != 200:
                raise ScheduleError(f"{source} answered HTTP {response.status} {response.reason}.")
            raw = _read_body(source, response, deadline)
            return Fetched(raw, response.getheader("ETag"), response.getheader("Last-Modified"))
        finally:
            response.close()
            connection.close()
    raise ScheduleError(f"{source} redirects more than {MAX_REDIRECTS} times.")


def fetch(source: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """Return the source's bytes; for a URL, send the validators and return raw=None on 304."""
    if not is_url(source):
        return Fetched(_read_file(source))
    deadline = _Deadline(DEADLINE_SECONDS)
    try:
        return _fetch_url(source, etag, last_modified, deadline)
    finally:
        deadline.cancel()


def read_schedule(
    raw: bytes, source: str = "the source", zone: str | None = None, strict: bool = False, check: bool = True
) -> SourceSchedule:
    """Read raw as c3voc JSON, frab / c3voc XML or iCalendar, whichever it is.

    zone: the time zone of times without an offset when the source names none (--timezone).
    strict: refuse a source that departs from its published schema at all (--strict).
    check: measure the source against its schema (False: no deviations listed, and none refused).
    """
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(b"<"):
        schedule = read_frab_xml(raw, zone, check)
    elif head.upper().startswith(b"BEGIN:VCALENDAR"):
        schedule = read_ical(raw, zone)
    else:
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ScheduleError(
                f"{source} is neither c3voc JSON, frab / c3voc XML nor iCalendar (as JSON: {exc})."
            ) from None
        except RecursionError:
            raise ScheduleError(f"{source} is JSON nested too deeply to be a schedule.") from None
        schedule = read_c3voc_json(data, zone, check)
    if strict and schedule.deviations:
        raise refuse(schedule.deviations, schedule.schema)
    return schedule


def load_source(source: str, zone: str | None = None, strict: bool = False) -> SourceSchedule:
    """Fetch source and read it."""
    return read_schedule(fetch(source).raw, source, zone, strict)
