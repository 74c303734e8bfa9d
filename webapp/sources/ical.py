"""Read an iCalendar file (one VEVENT per session) with the icalendar library."""

import hashlib
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from webapp.sources.model import (
    ScheduleError,
    SourceLink,
    SourcePerson,
    SourceRoom,
    SourceSchedule,
    SourceSession,
    check_event_count,
    in_zone,
    known_zone,
    parse_languages,
    text_or_none,
)


def _zone(calendar: icalendar.Calendar) -> str | None:
    """Return the zone the calendar names: X-WR-TIMEZONE, a VTIMEZONE, or the first event's TZID; else None."""
    named = text_or_none(calendar.get("X-WR-TIMEZONE"))
    zones = [text_or_none(z.get("TZID")) for z in calendar.walk("VTIMEZONE")]
    for event in calendar.walk("VEVENT"):
        start = event.get("DTSTART")
        zones.append(text_or_none(start.params.get("TZID")) if hasattr(start, "params") else None)
        break
    return next((candidate for candidate in [named, *zones] if known_zone(candidate)), None)


def _aware(value: object, tz: ZoneInfo | None) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # A floating time (no TZID, no Z) means the calendar's own zone, or the one --timezone names.
    return in_zone(
        value, tz, f"The calendar names no time zone and gives floating times (such as {value.isoformat()})"
    )


def _persons(event: icalendar.Event) -> list[SourcePerson]:
    persons = []
    attendees = event.get("ATTENDEE", [])
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        name = text_or_none(attendee.params.get("CN")) if hasattr(attendee, "params") else None
        if name:
            persons.append(SourcePerson(name, text_or_none(str(attendee)).removeprefix("mailto:")))
    return persons


def _session(event: icalendar.Event, tz: ZoneInfo | None, out: SourceSchedule) -> SourceSession | None:
    title = text_or_none(event.get("SUMMARY"))
    label = repr(title or text_or_none(event.get("UID")) or "?")
    raw_start = event.decoded("DTSTART", None)
    start = _aware(raw_start, tz)
    if start is None:
        why = "it lasts all day (no time of day)" if isinstance(raw_start, date) else "it has no DTSTART"
        out.skipped.append(f"event {label}: {why}")
        return None
    end = _aware(event.decoded("DTEND", None), tz)
    if end is None:
        duration = event.decoded("DURATION", None)
        end = start + duration if isinstance(duration, timedelta) else start
    if event.get("RRULE"):
        out.skipped.append(f"event {label}: it repeats (RRULE); only its first time was imported")
    if not title:
        out.skipped.append(f"event {label} at {start.isoformat()}: it has no SUMMARY")
        return None
    categories = event.get("CATEGORIES")
    categories = categories[0] if isinstance(categories, list) and categories else categories
    track = text_or_none(", ".join(str(c) for c in categories.cats)) if categories is not None else None
    location = text_or_none(event.get("LOCATION"))
    url = text_or_none(event.get("URL"))
    uid = text_or_none(event.get("UID"))
    return SourceSession(
        title=title,
        start=start,
        end=end,
        room=SourceRoom(location) if location else None,
        guid=uid,
        description=text_or_none(event.get("DESCRIPTION")),
        track=track,
        languages=parse_languages(event.get("X-LANGUAGE") or event.get("LANGUAGE")),
        persons=_persons(event),
        url=url if url and url.startswith(("http://", "https://")) else None,
        links=[SourceLink(url)] if url and url.startswith(("http://", "https://")) else [],
    )


# In UTF-8 bytes: C0 but tab, LF and CR (the line ends), DEL, and the C1 characters U+0080..U+009F.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


def _drop_control_characters(raw: bytes) -> tuple[bytes, int]:
    """Return the calendar without control characters, and how many of its lines held any."""
    lines = raw.split(b"\n")
    cleaned = [_CONTROL_BYTES.sub(b"", line) for line in lines]
    return b"\n".join(cleaned), sum(a != b for a, b in zip(lines, cleaned, strict=True))


def read_ical(raw: bytes, zone: str | None = None) -> SourceSchedule:
    """Return the schedule in an iCalendar file.

    zone: the time zone for floating times when the calendar names none (--timezone).
    """
    check_event_count(raw.upper().count(b"BEGIN:VEVENT"))
    raw, cleaned = _drop_control_characters(raw)
    try:
        calendar = icalendar.Calendar.from_ical(raw)
    except (ValueError, IndexError, KeyError) as exc:
        raise ScheduleError(f"The source is not a readable iCalendar file ({exc}).") from None
    source_zone = _zone(calendar)
    tz = known_zone(zone) or known_zone(source_zone)
    name = text_or_none(calendar.get("X-WR-CALNAME")) or text_or_none(calendar.get("NAME")) or "Event"
    out = SourceSchedule(format="iCalendar", title=name, acronym=None, timezone=source_zone, cleaned=cleaned)
    for event in calendar.walk("VEVENT"):
        if (session := _session(event, tz, out)) is not None:
            out.sessions.append(session)
    out.rooms = list({s.room.name: s.room for s in out.sessions if s.room}.values())
    out.version = hashlib.sha256(raw).hexdigest()[:12]
    return out
