"""The common model every source format is read into, and the one error an import can raise."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from webapp import text as text_rule

# More events than any real schedule has (a big congress has about 2,000): refused before they are read.
MAX_EVENTS = 20_000


class ScheduleError(Exception):
    """The source cannot be imported; the message is one sentence saying what and where."""

    def __init__(self, message: str) -> None:
        # Parsers' messages (lxml, icalendar) can span lines; the user gets one.
        super().__init__(" ".join(message.split()))


def check_event_count(count: int) -> None:
    """Raise ScheduleError when a source lists more events than a schedule could have."""
    if count > MAX_EVENTS:
        raise ScheduleError(
            f"The source lists {count:,} events; more than {MAX_EVENTS:,} is not a schedule, so it is not read."
        )


@dataclass(frozen=True)
class SourceRoom:
    """A room as the source names it."""

    name: str
    guid: str | None = None


@dataclass(frozen=True)
class SourcePerson:
    """A speaker; id is the source's (pretalx code, frab id, hub guid) or None."""

    name: str
    id: str | None = None


@dataclass(frozen=True)
class SourceLink:
    url: str
    title: str | None = None
    type: str | None = None


@dataclass
class SourceSession:
    """One session as the source has it, times aware."""

    title: str
    start: datetime
    end: datetime
    room: SourceRoom | None
    guid: str | None = None
    source_id: str | None = None
    subtitle: str | None = None
    abstract: str | None = None
    description: str | None = None
    track: str | None = None
    type: str | None = None
    languages: list[str] = field(default_factory=list)
    persons: list[SourcePerson] = field(default_factory=list)
    links: list[SourceLink] = field(default_factory=list)
    url: str | None = None
    do_not_record: bool = False
    recording_license: str | None = None


def drop_control_characters(data: object) -> tuple[object, int]:
    """Return JSON-like data with those characters removed from every text in it, and how many texts had any."""
    count = 0

    def clean(value: object) -> object:
        nonlocal count
        if isinstance(value, str):
            text, changed = clean_text(value)
            count += changed
            return text
        if isinstance(value, dict):
            return {clean(key): clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return clean(data), count


def clean_text(text: str) -> tuple[str, bool]:
    """Return text as the text rule keeps it (webapp.text: no control characters, CR LF as LF), and
    whether it lost a character it may not hold."""
    cleaned = text_rule.clean_text(text)
    return cleaned, cleaned != text.replace("\r\n", "\n").replace("\r", "\n")


def web_url(url: str | None) -> str | None:
    """Return url if it is an http(s) URL a page may link to (webapp.text.check_url), else None."""
    try:
        return text_rule.check_url(url, ("http", "https")) if url else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Deviation:
    """One place a source departs from its schema: what, how, where, and the value (when there is one)."""

    subject: str  # "<slug>" in XML, "slug" in JSON
    problem: str  # without the value, so that equal problems group
    where: str  # "line 30", or a JSON path
    value: str | None = None


@dataclass
class SourceSchedule:
    """A whole schedule: the event, its rooms and sessions, what reading it skipped, where it deviates."""

    format: str
    title: str
    acronym: str | None
    # The IANA zone the source names; None when it names none (import-schedule then never guesses).
    timezone: str | None
    version: str | None = None
    url: str | None = None
    days: list[date] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    rooms: list[SourceRoom] = field(default_factory=list)
    track_colors: dict[str, str] = field(default_factory=dict)
    sessions: list[SourceSession] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    schema: str = "schema"  # which published schema deviations are measured against
    deviations: list[Deviation] = field(default_factory=list)
    cleaned: int = 0  # texts that held control characters, removed when read


_LANGUAGE_NAMES = {"english": "en", "german": "de", "deutsch": "de", "englisch": "en", "korean": "ko"}


def parse_languages(value: object) -> list[str]:
    """Return the language codes in "de, en", "de-en", ["de", "en"] or "German" (unknown ones dropped)."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else re.split(r"[^A-Za-z]+", str(value))
    codes = []
    for part in parts:
        code = str(part).strip().lower()
        code = _LANGUAGE_NAMES.get(code, code)
        if re.fullmatch(r"[a-z]{2,3}", code) and code not in codes:
            codes.append(code)
    return codes


def parse_duration(value: object) -> timedelta:
    """Return a frab duration ("00:30", "01:30:00" as the XSD allows, or minutes) as a timedelta."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(minutes=value)
    parts = str(value).strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"duration {value!r} is not HH:MM")
    numbers = [int(p) for p in parts]
    if len(numbers) == 2:
        return timedelta(hours=numbers[0], minutes=numbers[1])
    return timedelta(hours=numbers[0], minutes=numbers[1], seconds=numbers[2])


def known_zone(name: str | None) -> ZoneInfo | None:
    """Return the IANA zone called name, or None when there is no name or no such zone."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def needs_timezone(why: str) -> ScheduleError:
    """Return the error for a source whose times cannot be placed without --timezone."""
    return ScheduleError(
        f"{why}; pass --timezone with the event's time zone, an IANA name such as Europe/Berlin."
    )


def parse_moment(value: object, what: str, zone: ZoneInfo | None) -> datetime:
    """Return an ISO 8601 time as an aware datetime; one without an offset is in zone (else ScheduleError)."""
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what} {value[:40]!r} is not an ISO 8601 time") from None
    return in_zone(
        moment, zone, f"The source gives times without a UTC offset (such as {value[:40]!r}) and no time zone"
    )


def in_zone(moment: datetime, zone: ZoneInfo | None, why: str) -> datetime:
    """Return moment when it has an offset; a local time in zone; with no zone, raise needs_timezone(why)."""
    if moment.tzinfo is not None:
        return moment
    if zone is None:
        raise needs_timezone(why)
    return moment.replace(tzinfo=zone)


def text_or_none(value: object) -> str | None:
    """Return value as stripped text, or None when it is empty or not text."""
    if isinstance(value, dict):
        value = value.get("en") or next(iter(value.values()), None)
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None
