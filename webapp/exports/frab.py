"""frab / c3voc schedule exports: one structure (the c3voc JSON form), rendered as JSON or as XML."""

from datetime import date, timedelta
from typing import Any

from lxml import etree

from webapp.exports.schedule_data import ScheduleData, guid, numeric_id, session_url
from webapp.localized import event_languages, pick
from webapp.models import Room, Session
from webapp.program.eventdata import EventData
from webapp.text import clean_text
from webapp.web.clock import day_start

GENERATOR = {"name": "venue-live", "version": "0.1.0"}
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


def _hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _room_entry(room: Room | None, data: ScheduleData) -> dict[str, Any]:
    event, lang = data.event, data.lang
    if room is None:
        # Online-only sessions have no room, but the format puts every event in one: a virtual "Online".
        return {
            "name": data.word("online"),
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


def _subtitle(s: Session, data: ScheduleData) -> str:
    """Return the title in the event's next language when it reads differently, else ''."""
    titles = s.text("title")
    own = pick(titles, data.lang, data.langs)
    return next((t for lang in data.langs if (t := pick(titles, lang, data.langs)) != own), "")


def _event_entry(s: Session, data: ScheduleData, room_name: str) -> dict[str, Any]:
    event, lang = data.event, data.lang
    start = s.start_at.astimezone(event.tz)
    track = event.tracks_by_id.get(s.track_id)
    links = [{"url": s.stream_url, "title": data.word("stream"), "type": "media"}] if s.stream_url else []
    return {
        "guid": guid("session", s.id, event),
        "id": numeric_id(s.id, event),
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),  # the format's field, not text for people
        "end": s.end_at.astimezone(event.tz).isoformat(),
        "duration": _hhmm(s.end_at - s.start_at),
        "room": room_name,
        "slug": f"{acronym(event)}-{s.id}",
        "url": session_url(s, data.base_url),
        "title": data.title(s),
        "subtitle": _subtitle(s, data),
        "track": pick(track.name, lang) if track else s.track_id,
        # The format has no status field: a cancelled session stays in the schedule (apps that compare
        # versions, such as EventFahrplan, then flag it, and people who starred it see why it went) with
        # its title marked and its type set to "cancelled". A dropped event would vanish silently in most apps.
        "type": "cancelled" if s.status == "cancelled" else "talk",
        "language": s.language,
        "abstract": data.say(s.details.get("description")),
        "description": "\n".join(data.facts(s)),
        "persons": [
            # The English name keys the guid, as it always has, so apps keep their favourites.
            {"name": data.say(p["name"]), "guid": guid("person", pick(p["name"], "en"), event)}
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
    sessions: list[Session], event: EventData, base_url: str, version: str, lang: str | None = None
) -> dict[str, Any]:
    """Return the c3voc schedule (its JSON form) of sessions; schedule_xml renders the same structure."""
    tz, base = event.tz, base_url.rstrip("/") + "/"
    # The format holds one language: the one asked for, else the event's first.
    data = ScheduleData(event, base_url, lang or event_languages(event)[0])
    lang = data.lang
    rooms: dict[str, dict] = {}
    by_day: dict[date, dict[str, list]] = {day: {} for day in event.event.days}
    # Rooms in the venues' and rooms' own order, the virtual Online room last.
    order = sorted(sessions, key=_room_order)
    for s in order:
        room = rooms.setdefault(s.room_id or "", _room_entry(s.room, data))
        day = by_day.setdefault(s.start_at.astimezone(tz).date(), {})
        day.setdefault(room["name"], []).append(_event_entry(s, data, room["name"]))
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
        "title": data.say(event.event.name),
        "start": days[0]["date"],
        "end": days[-1]["date"],
        "daysCount": len(days),
        "timeslot_duration": "00:15",
        "time_zone_name": event.event.timezone,
        "tracks": [
            {"name": pick(t.name, lang), "slug": t.id, "color": t.color} for t in event.program.tracks
        ],
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
    # Stored text is checked on the way in (webapp.text); what an older version stored may still hold
    # a character XML cannot (lxml raises ValueError): it is dropped, not allowed to fail the export.
    node = etree.SubElement(parent, tag, {k: clean_text(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = clean_text(str(text))
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
