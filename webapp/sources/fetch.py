"""Fetch a schedule source (a file or an http(s) URL) and read it in whichever format it is."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from webapp.sources.c3json import read_c3voc_json
from webapp.sources.frabxml import read_frab_xml
from webapp.sources.ical import read_ical
from webapp.sources.model import ScheduleError, SourceSchedule

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 20
USER_AGENT = "VenueLive-import-schedule/1"


@dataclass(frozen=True)
class Fetched:
    """A source's bytes and the validators to ask for the next version with (None: not modified)."""

    raw: bytes | None
    etag: str | None = None
    last_modified: str | None = None


def is_url(source: str) -> bool:
    """Return whether source is an http(s) URL rather than a file path."""
    return source.startswith(("http://", "https://"))


def _read_limited(stream, source: str) -> bytes:
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ScheduleError(
            f"{source} is larger than {MAX_BYTES // 1024 // 1024} MB; that is not a schedule."
        )
    return raw


def fetch(source: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """Return the source's bytes; for a URL, send the validators and return raw=None on 304."""
    if not is_url(source):
        try:
            with Path(source).open("rb") as handle:
                return Fetched(_read_limited(handle, source))
        except OSError as exc:
            raise ScheduleError(f"Could not read {source} ({exc.strerror or exc}).") from None
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/xml, text/calendar, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # Only http(s) reaches here (is_url above), so no file: or custom scheme is opened.
    request = urllib.request.Request(source, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = _read_limited(response, source)
            return Fetched(raw, response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, etag, last_modified)
        raise ScheduleError(f"{source} answered HTTP {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ScheduleError(f"Could not reach {source} ({reason}).") from None


def read_schedule(raw: bytes, source: str = "the source") -> SourceSchedule:
    """Read raw as c3voc JSON, frab / c3voc XML or iCalendar, whichever it is."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(b"<"):
        return read_frab_xml(raw)
    if head.upper().startswith(b"BEGIN:VCALENDAR"):
        return read_ical(raw)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScheduleError(
            f"{source} is neither c3voc JSON, frab / c3voc XML nor iCalendar (as JSON: {exc})."
        ) from None
    return read_c3voc_json(data)


def load_source(source: str) -> SourceSchedule:
    """Fetch source and read it."""
    return read_schedule(fetch(source).raw, source)
