"""Standard exports of the program: iCalendar, frab/c3voc schedule XML and JSON, GeoJSON."""

import hashlib
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Calendar, Event, Timezone
from lxml import etree

from webapp.extensions import db
from webapp.live.changes import head_seq
from webapp.models import Change, Room, Session, Venue
from webapp.program.eventdata import EventData
from webapp.program.present import pick
from webapp.web.clock import day_start

GENERATOR = {"name": "venue-live", "version": "0.1.0"}
# Fixed forever: every guid in the exports is uuid5(this, a stable id), so apps that remember
# favourites by guid keep them across restarts, re-imports and moves.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:venue-live:schedule")
C3VOC_SCHEMA = "https://c3voc.de/schedule/schema.json"
# The event's text children in the XML, in the order frab writes them (the xsd accepts any order).
XML_EVENT_FIELDS = (
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "url",
    "title",
    "subtitle",
    "track",
    "type",
    "language",
    "abstract",
    "description",
)

WORDS = {
    "speakers": {"ko": "발표자", "en": "Speakers"},
    "format": {"ko": "형식", "en": "Format"},
    "stream": {"ko": "중계", "en": "Stream"},
    "cancelled": {"ko": "취소", "en": "Cancelled"},
    "online": {"ko": "온라인", "en": "Online"},
    "sourced": {"ko": "출처 확인", "en": "Sourced"},
    "reconstructed": {"ko": "재구성된 정보", "en": "Reconstructed"},
    "in_person": {"ko": "현장", "en": "In person"},
    "hybrid": {"ko": "현장 및 온라인 중계", "en": "In person and streamed"},
    "online_only": {"ko": "온라인 전용", "en": "Online only"},
}


def say(text: dict | None, lang: str | None, sep: str = " / ") -> str:
    """Return a {"ko", "en"} text in lang, or in both languages when lang is None."""
    if not text:
        return ""
    if lang is not None:
        return pick(text, lang)
    return text["ko"] if text["ko"] == text["en"] else f"{text['ko']}{sep}{text['en']}"


def guid(kind: str, ident: str, event: EventData) -> str:
    """Return the stable UUID of a session, room or person of this event."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{event.event.id}/{kind}/{ident}"))


def numeric_id(session_id: str, event: EventData) -> int:
    """Return a stable positive integer for a session (frab's legacy id; below 2**31 for Java apps)."""
    return int(uuid.UUID(guid("session", session_id, event)).hex[:8], 16) % (2**31 - 1) + 1


# --- versions and times ---------------------------------------------------------------------


def export_version(event: EventData) -> str:
    """Return the program's version: the data files' version and the last staff change's seq."""
    return f"{event.version}-{head_seq()}"


def data_time(event: EventData) -> datetime:
    """Return the fixed time the exports claim for data no staff change has touched (first day, 00:00)."""
    return day_start(event.event.days[0], event.tz)


def last_modified(event: EventData) -> datetime:
    """Return when the program last changed: the newest staff change, else the data's fixed time."""
    newest = db.session.scalar(sa.select(sa.func.max(Change.at)))
    return newest or data_time(event)


def session_modified(session_ids: list[str], event: EventData) -> dict[str, datetime]:
    """Return when each session was last changed by staff (the data's fixed time when never)."""
    query = (
        sa.select(Change.session_id, sa.func.max(Change.at))
        .where(Change.session_id.in_(session_ids))
        .group_by(Change.session_id)
    )
    changed = {sid: at for sid, at in db.session.execute(query)}
    return {sid: changed.get(sid) or data_time(event) for sid in session_ids}


# --- what the exports say about one session -------------------------------------------------


def session_url(s: Session, base_url: str) -> str:
    """Return the absolute address of a session's page."""
    return f"{base_url.rstrip('/')}/sessions/{s.id}"


def session_title(s: Session, lang: str | None) -> str:
    """Return the title, marked when cancelled so calendars that ignore STATUS still show it."""
    title = say({"ko": s.title_ko, "en": s.title_en}, lang)
    return f"{say(WORDS['cancelled'], lang)}: {title}" if s.status == "cancelled" else title


def session_facts(s: Session, lang: str | None) -> list[str]:
    """Return the lines describing speakers, format, stream, cancellation and provenance."""
    lines = []
    speakers = [
        say(p["name"], lang) + (f" ({say(p['affiliation'], lang)})" if p.get("affiliation") else "")
        for p in s.details.get("speakers", [])
    ]
    if speakers:
        lines.append(f"{say(WORDS['speakers'], lang)}: {', '.join(speakers)}")
    mode = WORDS["online_only" if s.mode == "online" else s.mode]
    lines.append(f"{say(WORDS['format'], lang)}: {say(mode, lang)}")
    if s.stream_url:
        lines.append(f"{say(WORDS['stream'], lang)}: {s.stream_url}")
    if s.status == "cancelled":
        lines.append(f"{say(WORDS['cancelled'], lang)}" + (f": {s.status_reason}" if s.status_reason else ""))
    note = say(s.details.get("note"), lang, sep="\n")
    lines.append(f"{say(WORDS[s.provenance], lang)}" + (f": {note}" if note else ""))
    return lines


def session_location(s: Session, lang: str | None) -> str:
    """Return venue, room and address, or 'Online' and the stream link for an online-only session."""
    if s.venue is None:
        return f"{say(WORDS['online'], lang)}: {s.stream_url or ''}".strip(": ")
    venue = say({"ko": s.venue.name_ko, "en": s.venue.name_en}, lang)
    room = say({"ko": s.room.name_ko, "en": s.room.name_en}, lang) if s.room else ""
    # Korean when no language is asked for: map apps in Korea find the Korean address best.
    address = pick(s.venue.properties.get("address"), lang or "ko")
    return ", ".join(part for part in (venue, room, address) if part)


# --- iCalendar ------------------------------------------------------------------------------


def calendar_name(
    event: EventData, lang: str | None, venue: Venue | None = None, room: Room | None = None
) -> str:
    """Return a calendar's display name: the event's short name, and the venue or room it covers."""
    parts = [say(event.event.short_name.model_dump(), lang)]
    if venue is not None:
        parts.append(say({"ko": venue.name_ko, "en": venue.name_en}, lang))
    if room is not None:
        parts.append(say({"ko": room.name_ko, "en": room.name_en}, lang))
    return " – ".join(parts)


def _vevent(s: Session, event: EventData, base_url: str, lang: str | None, stamp, modified) -> Event:
    item = Event()
    item.add("uid", f"{s.id}@{event.event.id}.venue-live")
    item.add("dtstamp", stamp)
    item.add("dtstart", s.start_at.astimezone(event.tz))
    item.add("dtend", s.end_at.astimezone(event.tz))
    item.add("summary", session_title(s, lang))
    item.add("location", session_location(s, lang))
    if s.venue is not None:
        item.add("geo", (s.venue.lat, s.venue.lon))
    item.add("url", session_url(s, base_url))
    description = say(s.details.get("description"), lang, sep="\n\n")
    item.add("description", "\n\n".join(p for p in (description, "\n".join(session_facts(s, lang))) if p))
    track = event.tracks_by_id.get(s.track_id)
    item.add("categories", [say(track.name.model_dump(), lang) if track else s.track_id])
    item.add("status", "CANCELLED" if s.status == "cancelled" else "CONFIRMED")
    item.add("sequence", max(s.version - 1, 0))
    item.add("last-modified", modified)
    return item


def sessions_to_ics(
    sessions: list[Session], event: EventData, base_url: str, name: str, lang: str | None = None
) -> bytes:
    """Return an RFC 5545 calendar of sessions: one VEVENT each, times in the event's zone with a VTIMEZONE.

    lang is "ko" or "en", or None for titles and places in both languages. Call it inside an app context.
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
    stamp = last_modified(event)
    modified = session_modified([s.id for s in sessions], event)
    for s in sessions:
        cal.add_component(_vevent(s, event, base_url, lang, stamp, modified[s.id]))
    return cal.to_ical()


# --- frab / c3voc schedule: one structure, two renderings -----------------------------------


def _hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _room_entry(room: Room | None, event: EventData, lang: str) -> dict[str, Any]:
    if room is None:
        # Online-only sessions have no room, but the format puts every event in one: a virtual "Online".
        return {
            "name": pick(WORDS["online"], lang),
            "slug": "online",
            "type": "online",
            "guid": guid("room", "online", event),
        }
    return {
        "name": f"{room.venue.short_name(lang)} {room.name(lang)}",
        "slug": room.id,
        "guid": guid("room", room.id, event),
        "capacity": room.capacity,
    }


def _event_entry(s: Session, event: EventData, base_url: str, lang: str, room_name: str) -> dict[str, Any]:
    tz, other = event.tz, "ko" if lang == "en" else "en"
    start = s.start_at.astimezone(tz)
    track = event.tracks_by_id.get(s.track_id)
    links = (
        [{"url": s.stream_url, "title": say(WORDS["stream"], lang), "type": "media"}] if s.stream_url else []
    )
    return {
        "guid": guid("session", s.id, event),
        "id": numeric_id(s.id, event),
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "end": s.end_at.astimezone(tz).isoformat(),
        "duration": _hhmm(s.end_at - s.start_at),
        "room": room_name,
        "slug": f"{acronym(event)}-{s.id}",
        "url": session_url(s, base_url),
        "title": session_title(s, lang),
        "subtitle": s.title(other) if s.title(other) != s.title(lang) else "",
        "track": track.name.get(lang) if track else s.track_id,
        # The format has no status field: a cancelled session stays in the schedule (apps that compare
        # versions, such as EventFahrplan, then flag it, and people who starred it see why it went) with
        # its title marked and its type set to "cancelled". A dropped event would vanish silently in most apps.
        "type": "cancelled" if s.status == "cancelled" else "talk",
        "language": s.language,
        "abstract": pick(s.details.get("description"), lang),
        "description": "\n".join(session_facts(s, lang)),
        "persons": [
            {"name": pick(p["name"], lang), "guid": guid("person", p["name"]["en"], event)}
            for p in s.details.get("speakers", [])
        ],
        "links": links,
        "attachments": [],
    }


def _room_order(s: Session) -> tuple:
    return (
        s.room is None,
        s.venue.sort_order if s.venue else 0,
        s.room.sort_order if s.room else 0,
        s.start_at,
        s.id,
    )


def acronym(event: EventData) -> str:
    """Return the event id in the c3voc acronym form (sbic-2023 -> sbic_2023)."""
    return event.event.id.replace("-", "_").ljust(4, "_")


def build_schedule(
    sessions: list[Session], event: EventData, base_url: str, version: str, lang: str = "ko"
) -> dict[str, Any]:
    """Return the c3voc schedule (its JSON form) of sessions; schedule_xml renders the same structure."""
    tz, base = event.tz, base_url.rstrip("/") + "/"
    rooms: dict[str, dict] = {}
    by_day: dict[date, dict[str, list]] = {day: {} for day in event.event.days}
    # Rooms in the venues' and rooms' own order, the virtual Online room last.
    order = sorted(sessions, key=_room_order)
    for s in order:
        room = rooms.setdefault(s.room_id or "", _room_entry(s.room, event, lang))
        day = by_day.setdefault(s.start_at.astimezone(tz).date(), {})
        day.setdefault(room["name"], []).append(_event_entry(s, event, base_url, lang, room["name"]))
    days = []
    for index, (day, day_rooms) in enumerate(sorted(by_day.items()), start=1):
        for items in day_rooms.values():
            items.sort(key=lambda e: (e["date"], e["slug"]))
        times = [e for items in day_rooms.values() for e in items]
        first = min((e["date"] for e in times), default=day_start(day, tz).isoformat())
        last = max((e["end"] for e in times), default=day_start(day + timedelta(days=1), tz).isoformat())
        days.append(
            {"index": index, "date": day.isoformat(), "day_start": first, "day_end": last, "rooms": day_rooms}
        )
    conference = {
        "acronym": acronym(event),
        "title": say(event.event.name.model_dump(), lang),
        "start": days[0]["date"],
        "end": days[-1]["date"],
        "daysCount": len(days),
        "timeslot_duration": "00:15",
        "time_zone_name": event.event.timezone,
        "tracks": [{"name": t.name.get(lang), "slug": t.id, "color": t.color} for t in event.program.tracks],
        "rooms": list(rooms.values()),
        "days": days,
    }
    if event.event.url:
        conference["url"] = event.event.url
    return {
        "$schema": C3VOC_SCHEMA,
        "generator": GENERATOR,
        "schedule": {"version": version, "base_url": base, "conference": conference},
    }


def _sub(parent: etree._Element, tag: str, text: Any = None, **attrs: Any) -> etree._Element:
    node = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = str(text)
    return node


def _xml_event(parent: etree._Element, item: dict[str, Any]) -> None:
    node = _sub(parent, "event", guid=item["guid"], id=item["id"])
    for key in XML_EVENT_FIELDS:
        _sub(node, key, item[key] or "")
    persons = _sub(node, "persons")
    for person in item["persons"]:
        _sub(persons, "person", person["name"], guid=person["guid"])
    links = _sub(node, "links")
    for link in item["links"]:
        _sub(links, "link", link["title"], href=link["url"], type=link["type"])
    _sub(node, "attachments")


def schedule_xml(schedule: dict[str, Any]) -> bytes:
    """Render a build_schedule structure as frab/c3voc schedule XML."""
    data, conf = schedule["schedule"], schedule["schedule"]["conference"]
    root = etree.Element("schedule")
    _sub(root, "generator", **schedule["generator"])
    _sub(root, "version", data["version"])
    node = _sub(root, "conference")
    for key in ("acronym", "title", "start", "end"):
        _sub(node, key, conf[key])
    _sub(node, "days", conf["daysCount"])
    for key in ("timeslot_duration", "time_zone_name"):
        _sub(node, key, conf[key])
    _sub(node, "base_url", data["base_url"])
    if "url" in conf:
        _sub(node, "url", conf["url"])
    for track in conf["tracks"]:
        _sub(node, "track", track["name"], name=track["name"], color=track["color"], slug=track["slug"])
    guids = {room["name"]: room["guid"] for room in conf["rooms"]}
    for day in conf["days"]:
        day_node = _sub(
            root, "day", index=day["index"], date=day["date"], start=day["day_start"], end=day["day_end"]
        )
        for name, items in day["rooms"].items():
            room_node = _sub(day_node, "room", name=name, guid=guids[name])
            for item in items:
                _xml_event(room_node, item)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- GeoJSON --------------------------------------------------------------------------------


def sessions_geojson(sessions: list[Session], tz: ZoneInfo) -> dict[str, Any]:
    """Return sessions as a GeoJSON FeatureCollection: a Point at the venue, or no geometry when online-only."""
    geometry: dict[str, Any] = {}
    features = []
    for s in sessions:
        if s.venue is not None and s.venue_id not in geometry:
            geometry[s.venue_id] = s.venue.to_feature()["geometry"]
        features.append(
            {
                "type": "Feature",
                "id": s.id,
                # RFC 7946 allows a null geometry: online-only sessions happen nowhere on the map.
                "geometry": geometry[s.venue_id] if s.venue is not None else None,
                "properties": s.to_dict(tz),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def etag_for(version: str, *parts: object) -> str:
    """Return an ETag for an export at version, varied by the request's query and host."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    return f"{version}-{digest}"
