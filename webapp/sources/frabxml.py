"""Read a frab / c3voc schedule XML, leniently: the XSD's verdict is listed, not obeyed.

The XML must be well-formed and safe (no DOCTYPE, so no entities; no network; libxml2's depth and size
limits). Where it departs from the c3voc XSD is collected as deviations for the summary; what the
import needs (titles, times, rooms, ids) is read wherever it is.
"""

from datetime import date, datetime, time, timedelta

from lxml import etree

from webapp.sources.c3json import add_event, nested_times
from webapp.sources.deviations import xml_deviations
from webapp.sources.model import (
    ScheduleError,
    SourceRoom,
    SourceSchedule,
    check_event_count,
    clean_text,
    known_zone,
    text_or_none,
)


def parse_xml(raw: bytes) -> etree._Element:
    """Parse raw XML safely: no entities, no network, no DOCTYPE, libxml2's size and depth limits."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ScheduleError(f"The source is not well-formed XML ({exc}).") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise ScheduleError(
            "The source XML declares a DOCTYPE; a schedule never needs one, so it is refused."
        )
    if root.tag != "schedule":
        tag = root.tag if isinstance(root.tag, str) else "?"
        raise ScheduleError(
            f"The source XML is not a frab / c3voc schedule: its root element is <{tag[:40]}>, not <schedule>."
        )
    return root


def _drop_control_characters(root: etree._Element) -> int:
    """Remove control characters from every text and attribute in the tree; return how many texts had any."""
    count = 0
    for element in root.iter():
        for name in ("text", "tail"):
            value = getattr(element, name)
            if value:
                text, changed = clean_text(value)
                if changed:
                    setattr(element, name, text)
                    count += 1
        for key, value in element.attrib.items():
            text, changed = clean_text(value)
            if changed:
                element.set(key, text)
                count += 1
    return count


def _text(element: etree._Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    return text_or_none(found.text) if found is not None else None


def _children(element: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in element if child.tag == tag]


def _event_dict(event: etree._Element) -> dict:
    """Turn an <event> into the dict shape of the nested JSON form."""
    raw = {child.tag: child.text for child in event if isinstance(child.tag, str) and not len(child)}
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
        "optout": _text(event, "recording/optout") or "false",
    }
    return raw


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _day_and_start(day: date, day_start: str | None, start: str | None, zoned: bool) -> str | None:
    """Return an event's time from its day and its <start> (older frab exports have no <date>).

    A day runs past midnight (start 10:00, end 04:00): a start before the day's own is on the next date.
    zoned: the time zone is known, so the time is left local (its offset follows the zone's rules);
    otherwise it takes the day's own offset, when the day gives one.
    """
    try:
        hours, minutes = (int(part) for part in (start or "").strip().split(":")[:2])
        moment = datetime.combine(day, time(hours, minutes))
    except ValueError:
        return None
    opens = (day_start or "")[11:16]
    if opens and f"{hours:02d}:{minutes:02d}" < opens:
        moment += timedelta(days=1)
    offset = "" if zoned else (day_start or "")[19:]  # the day's own: "+02:00"
    return moment.isoformat() + (offset if offset.startswith(("+", "-", "Z")) else "")


def read_frab_xml(raw: bytes, zone: str | None = None, check: bool = True) -> SourceSchedule:
    """Return the schedule in a frab / c3voc XML document.

    zone: the time zone for times without an offset when the source names none (--timezone).
    check: list where the document departs from the XSD.
    """
    root = parse_xml(raw)
    check_event_count(sum(1 for _ in root.iter("event")))
    cleaned = _drop_control_characters(root)
    conference = root.find("conference")
    source_zone = _text(conference, "time_zone_name")
    out = SourceSchedule(
        format="frab / c3voc schedule XML",
        title=_text(conference, "title") or _text(conference, "acronym") or "Event",
        acronym=_text(conference, "acronym"),
        timezone=source_zone,
        version=_text(root, "version"),
        url=_text(conference, "url") or _text(conference, "base_url"),
        schema="c3voc schedule XSD",
        deviations=xml_deviations(root) if check else [],
        cleaned=cleaned,
    )
    for track in conference.iterfind("track") if conference is not None else []:
        if text_or_none(track.get("name")) and track.get("color"):
            out.track_colors[track.get("name").strip()] = track.get("color")
    naive_zone = known_zone(zone) or known_zone(source_zone)
    times = nested_times(naive_zone)
    rooms: dict[str, SourceRoom] = {}
    for day in _children(root, "day"):
        if (day_date := _day(day.get("date"))) is not None:
            out.days.append(day_date)
        for room in _children(day, "room"):
            name = text_or_none(room.get("name"))
            source_room = (
                rooms.setdefault(name, SourceRoom(name, text_or_none(room.get("guid")))) if name else None
            )
            for event in _children(room, "event"):
                raw_event = _event_dict(event)
                if not text_or_none(raw_event.get("date")) and day_date is not None:
                    start = raw_event.get("start")
                    raw_event["date"] = _day_and_start(
                        day_date, day.get("start"), start, naive_zone is not None
                    )
                event_room = source_room
                if event_room is None and (own := text_or_none(raw_event.get("room"))):
                    event_room = rooms.setdefault(own, SourceRoom(own))
                add_event(out, raw_event, times, event_room)
    out.rooms = list(rooms.values())
    return out
