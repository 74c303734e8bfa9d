"""iCalendar (RFC 5545) exports: the whole program, one venue or room, a visitor's agenda."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event, Timezone

from webapp.exports.schedule_data import ScheduleData, last_modified, session_modified, session_url
from webapp.models import Room, Session, Venue
from webapp.program.eventdata import EventData


def calendar_name(
    event: EventData, lang: str | None, venue: Venue | None = None, room: Room | None = None
) -> str:
    """Return a calendar's display name: the event's short name, and the venue or room it covers."""
    data = ScheduleData(event, "", lang)
    parts = [data.say(event.event.short_name)]
    parts += [data.say(place.text("name")) for place in (venue, room) if place is not None]
    return " – ".join(parts)


def _vevent(s: Session, data: ScheduleData, stamp: datetime, modified: datetime) -> Event:
    event = data.event
    item = Event()
    item.add("uid", f"{s.id}@{event.event.id}.venue-live")
    item.add("dtstamp", stamp)
    item.add("dtstart", s.start_at.astimezone(event.tz))
    item.add("dtend", s.end_at.astimezone(event.tz))
    item.add("summary", data.title(s))
    item.add("location", data.location(s))
    if s.venue is not None:
        item.add("geo", (s.venue.lat, s.venue.lon))
    item.add("url", session_url(s, data.base_url))
    description = data.say(s.details.get("description"), sep="\n\n")
    item.add("description", "\n\n".join(p for p in (description, "\n".join(data.facts(s))) if p))
    track = event.tracks_by_id.get(s.track_id)
    item.add("categories", [data.say(track.name) if track else s.track_id])
    item.add("status", "CANCELLED" if s.status == "cancelled" else "CONFIRMED")
    item.add("sequence", max(s.version - 1, 0))
    item.add("last-modified", modified)
    return item


def sessions_to_ics(
    sessions: list[Session], event: EventData, base_url: str, name: str, lang: str | None = None
) -> bytes:
    """Return an RFC 5545 calendar of sessions: one VEVENT each, times in the event's zone with a VTIMEZONE.

    lang is one of the event's languages, or None for titles and places in every language.
    Call it inside an app context.
    """
    cal = Calendar()
    cal.add("prodid", f"-//Venue Live//{event.event.id}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", event.event.timezone)
    # Subscribed calendars poll for staff changes; an hour is what Google and Apple honour at best.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    # Always the zone, even with no session: RFC 5545 wants at least one component in a calendar.
    days = [s.start_at.astimezone(event.tz).date() for s in sessions] or event.event.days
    first, last = min(days) - timedelta(days=366), max(days) + timedelta(days=366)
    cal.add_component(Timezone.from_tzid(event.event.timezone, first_date=first, last_date=last))
    data = ScheduleData(event, base_url, lang)
    stamp = last_modified(event)
    modified = session_modified([s.id for s in sessions], event)
    for s in sessions:
        cal.add_component(_vevent(s, data, stamp, modified[s.id]))
    return cal.to_ical()
