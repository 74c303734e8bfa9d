"""Read a frab / c3voc schedule XML, after validating it against the c3voc XSD."""

from datetime import date
from functools import cache
from pathlib import Path

from lxml import etree

from webapp.sources.c3json import add_event, nested_times
from webapp.sources.model import ScheduleError, SourceRoom, SourceSchedule, check_event_count, text_or_none

XSD = Path(__file__).parent / "schemas" / "c3voc-schedule.xml.xsd"


@cache
def schema() -> etree.XMLSchema:
    """Return the c3voc schedule XSD, parsed once."""
    return etree.XMLSchema(etree.parse(str(XSD)))


def parse_xml(raw: bytes) -> etree._Element:
    """Parse raw XML safely (no entities, no network) and check it against the XSD."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ScheduleError(f"The source is not well-formed XML ({exc}).") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise ScheduleError(
            "The source XML declares a DOCTYPE; a schedule never needs one, so it is refused."
        )
    xsd = schema()
    try:
        valid = xsd.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise ScheduleError(
            f"The source XML could not be checked against the schedule XSD ({exc})."
        ) from None
    if not valid:
        error = xsd.error_log[0]
        raise ScheduleError(
            f"The source is not valid frab / c3voc schedule XML (line {error.line}: {error.message})."
        )
    return root


def _text(element: etree._Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    return text_or_none(found.text) if found is not None else None


def _event_dict(event: etree._Element) -> dict:
    """Turn an <event> into the dict shape of the nested JSON form."""
    raw = {child.tag: child.text for child in event if not len(child)}
    raw.update(guid=event.get("guid"), id=event.get("code") or event.get("id"))
    raw["persons"] = [
        {"public_name": p.text, "guid": p.get("guid"), "id": p.get("id")}
        for p in event.iterfind("persons/person")
    ]
    raw["links"] = [
        {"url": link.get("href"), "title": link.text, "type": link.get("type")}
        for link in event.iterfind("links/link")
    ]
    raw["attachments"] = [
        {"url": item.get("href"), "title": item.text, "type": item.get("type")}
        for item in event.iterfind("attachments/attachment")
    ]
    raw["recording"] = {
        "license": _text(event, "recording/license"),
        "optout": _text(event, "recording/optout") == "true",
    }
    return raw


def read_frab_xml(raw: bytes) -> SourceSchedule:
    """Return the schedule in a frab / c3voc XML document."""
    root = parse_xml(raw)
    check_event_count(sum(1 for _ in root.iter("event")))
    conference = root.find("conference")
    out = SourceSchedule(
        format="frab / c3voc schedule XML",
        title=_text(conference, "title") or _text(conference, "acronym") or "Event",
        acronym=_text(conference, "acronym"),
        timezone=_text(conference, "time_zone_name") or "UTC",
        version=_text(root, "version"),
        url=_text(conference, "url") or _text(conference, "base_url"),
    )
    for track in conference.iterfind("track"):
        if track.get("color"):
            out.track_colors[track.get("name")] = track.get("color")
    rooms: dict[str, SourceRoom] = {}
    for day in root.iterfind("day"):
        if day.get("date"):
            out.days.append(date.fromisoformat(day.get("date")))
        for room in day.iterfind("room"):
            source_room = rooms.setdefault(room.get("name"), SourceRoom(room.get("name"), room.get("guid")))
            for event in room.iterfind("event"):
                add_event(out, _event_dict(event), nested_times, source_room)
    out.rooms = list(rooms.values())
    return out
