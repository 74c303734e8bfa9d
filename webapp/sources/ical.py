"""Read an iCalendar file (one VEVENT per session) with the icalendar library."""

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from webapp.sources.model import (
    ScheduleError,
    SourceLink,
    SourcePerson,
    SourceRoom,
    SourceSchedule,
    SourceSession,
    check_event_count,
    parse_languages,
    text_or_none,
)


def _zone(calendar: icalendar.Calendar) -> str:
    """Return the calendar's time zone: X-WR-TIMEZONE, its one VTIMEZONE, or the first event's."""
    named = text_or_none(calendar.get("X-WR-TIMEZONE"))
    zones = [text_or_none(z.get("TZID")) for z in calendar.walk("VTIMEZONE")]
    for candidate in [named, *zones]:
        try:
            if candidate:
                ZoneInfo(candidate)
                return candidate
        except (ZoneInfoNotFoundError, ValueError):
            continue
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART", None)
        if isinstance(start, datetime) and isinstance(getattr(start.tzinfo, "key", None), str):
            return start.tzinfo.key
    return "UTC"


def _aware(value: object, tz: ZoneInfo) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # A floating time (no TZID) means the calendar's own zone.
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _persons(event: icalendar.Event) -> list[SourcePerson]:
    persons = []
    attendees = event.get("ATTENDEE", [])
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        name = text_or_none(attendee.params.get("CN")) if hasattr(attendee, "params") else None
        if name:
            persons.append(SourcePerson(name, text_or_none(str(attendee)).removeprefix("mailto:")))
    return persons


def _session(event: icalendar.Event, tz: ZoneInfo, out: SourceSchedule) -> SourceSession | None:
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


def read_ical(raw: bytes) -> SourceSchedule:
    """Return the schedule in an iCalendar file."""
    check_event_count(raw.upper().count(b"BEGIN:VEVENT"))
    try:
        calendar = icalendar.Calendar.from_ical(raw)
    except (ValueError, IndexError, KeyError) as exc:
        raise ScheduleError(f"The source is not a readable iCalendar file ({exc}).") from None
    zone = _zone(calendar)
    tz = ZoneInfo(zone)
    name = text_or_none(calendar.get("X-WR-CALNAME")) or text_or_none(calendar.get("NAME")) or "Event"
    out = SourceSchedule(format="iCalendar", title=name, acronym=None, timezone=zone)
    for event in calendar.walk("VEVENT"):
        if (session := _session(event, tz, out)) is not None:
            out.sessions.append(session)
    out.rooms = list({s.room.name: s.room for s in out.sessions if s.room}.values())
    out.version = hashlib.sha256(raw).hexdigest()[:12]
    return out
