"""Read a c3voc schedule JSON: the nested form (pretalx, frab) and the flat schema2 form (the c3 hub).

Read leniently: what the import needs (titles, times, rooms, ids) is taken wherever it is; anything
else of the wrong shape is passed over. Where the document departs from the published JSON schema is
collected as deviations, which the summary lists.
"""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from webapp.sources.deviations import json_deviations
from webapp.sources.model import (
    ScheduleError,
    SourceLink,
    SourcePerson,
    SourceRoom,
    SourceSchedule,
    SourceSession,
    check_event_count,
    drop_control_characters,
    known_zone,
    parse_duration,
    parse_languages,
    parse_moment,
    text_or_none,
)

Times = Callable[[dict], tuple[datetime, datetime]]


def _dicts(items: object) -> list[dict]:
    """Return the objects in a list (anything else in it, or a non-list, gives nothing)."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _links(items: object) -> list[SourceLink]:
    links = []
    for item in _dicts(items):
        url = text_or_none(item.get("url") or item.get("href"))
        if url and url.startswith(("http://", "https://")):
            links.append(SourceLink(url, text_or_none(item.get("title")), text_or_none(item.get("type"))))
    return links


def _as_attachments(items: object) -> list[dict]:
    """Return attachments (slides, papers) in the links' shape, typed "attachment" unless they say."""
    return [{**item, "type": item.get("type") or "attachment"} for item in _dicts(items)]


def _persons(items: object) -> list[SourcePerson]:
    persons = []
    for item in _dicts(items):
        name = text_or_none(item.get("public_name") or item.get("name") or item.get("full_public_name"))
        if name:
            ident = text_or_none(item.get("guid") or item.get("code") or item.get("id"))
            persons.append(SourcePerson(name, ident))
    return persons


def _room(value: object, by_name: dict[str, SourceRoom]) -> SourceRoom | None:
    if isinstance(value, dict):
        name = text_or_none(value.get("name"))
        guid = text_or_none(value.get("guid"))
        return by_name.get(name) or (SourceRoom(name, guid) if name else None)
    name = text_or_none(value)
    return (by_name.get(name) or SourceRoom(name)) if name else None


def _flag(value: object) -> bool:
    """Return whether a yes/no field says yes: JSON true, or the text "true" (XML)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def session_from_dict(raw: dict, start: datetime, end: datetime, room: SourceRoom | None) -> SourceSession:
    """Build a session from the fields both forms share."""
    track = raw.get("track")
    if isinstance(track, dict):
        track = track.get("name") or track.get("slug")
    recording = raw.get("recording") if isinstance(raw.get("recording"), dict) else {}
    return SourceSession(
        title=text_or_none(raw.get("title")) or "",
        start=start,
        end=end,
        room=room,
        guid=text_or_none(raw.get("guid")),
        source_id=text_or_none(raw.get("code") or raw.get("id")),
        subtitle=text_or_none(raw.get("subtitle")),
        abstract=text_or_none(raw.get("abstract")),
        description=text_or_none(raw.get("description")),
        track=text_or_none(track),
        type=text_or_none(raw.get("type")),
        languages=parse_languages(raw.get("language")),
        persons=_persons(raw.get("persons") or raw.get("participants")),
        links=_links(raw.get("links")) + _links(_as_attachments(raw.get("attachments"))),
        url=text_or_none(raw.get("url")),
        do_not_record=_flag(raw.get("do_not_record")) or _flag(recording.get("optout")),
        recording_license=text_or_none(raw.get("recording_license") or recording.get("license")),
    )


def nested_times(zone: ZoneInfo | None) -> Times:
    """Return the reader of a nested-form event's times: `date` and `duration`."""

    def times(raw: dict) -> tuple[datetime, datetime]:
        start = parse_moment(raw.get("date"), "date", zone)
        return start, start + parse_duration(raw.get("duration", "00:00"))

    return times


def _flat_times(zone: ZoneInfo | None) -> Times:
    def times(raw: dict) -> tuple[datetime, datetime]:
        start = parse_moment(raw.get("start") or raw.get("date"), "start", zone)
        if raw.get("end"):
            return start, parse_moment(raw["end"], "end", zone)
        return start, start + parse_duration(raw.get("duration", "00:00"))

    return times


def add_event(out: SourceSchedule, raw: object, times: Times, room: SourceRoom | None) -> None:
    """Add one event to out, or say in out.skipped why it could not be read."""
    if not isinstance(raw, dict):
        out.skipped.append(f"an event that is not an object ({type(raw).__name__})")
        return
    label = repr(text_or_none(raw.get("title")) or text_or_none(raw.get("guid")))
    try:
        start, end = times(raw)
    except (ValueError, OverflowError) as exc:
        out.skipped.append(f"event {label}: {exc}")
        return
    session = session_from_dict(raw, start, end, room)
    if not session.title:
        out.skipped.append(f"event {label} at {start.isoformat()}: it has no title")
        return
    out.sessions.append(session)


def _nested_events(conference: dict) -> list[tuple[str, object]]:
    """Return (room name, event) for every event of the nested form's days."""
    return [
        (str(room_name), raw)
        for day in _dicts(conference.get("days"))
        if isinstance(day.get("rooms"), dict)
        for room_name, events in day["rooms"].items()
        for raw in (events if isinstance(events, list) else [])
    ]


def _day_list(conference: dict) -> list[date]:
    days = []
    for day in _dicts(conference.get("days")):
        try:
            days.append(date.fromisoformat(str(day.get("date"))[:10]))
        except ValueError:
            continue
    return days


def read_c3voc_json(data: object, zone: str | None = None, check: bool = True) -> SourceSchedule:
    """Return the schedule in a c3voc JSON document (nested or flat form).

    zone: the time zone for times without an offset when the source names none (--timezone).
    check: list where the document departs from the JSON schema (the follower, which shows no
    summary, leaves it out: it is most of the reading's CPU time).
    """
    data, cleaned = drop_control_characters(data)
    schedule = data.get("schedule") if isinstance(data, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict):
        raise ScheduleError("This JSON is not a c3voc schedule: it has no 'schedule.conference' object.")
    flat = isinstance(schedule.get("events"), list)
    rooms = [
        SourceRoom(text_or_none(r.get("name")), text_or_none(r.get("guid")))
        for r in _dicts(conference.get("rooms"))
        if text_or_none(r.get("name"))
    ]
    source_zone = text_or_none(conference.get("time_zone_name"))
    out = SourceSchedule(
        format="c3voc schedule2 JSON" if flat else "c3voc schedule JSON",
        title=text_or_none(conference.get("title")) or text_or_none(conference.get("acronym")) or "Event",
        acronym=text_or_none(conference.get("acronym")),
        timezone=source_zone,
        version=text_or_none(schedule.get("version")),
        url=text_or_none(conference.get("url") or schedule.get("base_url")),
        days=_day_list(conference),
        languages=parse_languages(conference.get("languages")),
        rooms=rooms,
        track_colors=_track_colors(conference.get("tracks")),
        schema="c3voc JSON schema" + (" (schema2)" if flat else ""),
    )
    by_name = {r.name: r for r in rooms}
    events = schedule["events"] if flat else _nested_events(conference)
    check_event_count(len(events))
    out.deviations, out.cleaned = json_deviations(data, flat) if check else [], cleaned
    naive_zone = known_zone(zone) or known_zone(source_zone)
    if flat:
        times = _flat_times(naive_zone)
        for raw in events:
            add_event(out, raw, times, _room(raw.get("room"), by_name) if isinstance(raw, dict) else None)
    else:
        times = nested_times(naive_zone)
        for room_name, raw in events:
            room = _room(raw.get("room") or room_name, by_name) if isinstance(raw, dict) else None
            add_event(out, raw, times, room)
    # The hub names a session's track by slug only; the conference lists slug and name.
    names = {
        text_or_none(t.get("slug")): text_or_none(t.get("name")) for t in _dicts(conference.get("tracks"))
    }
    for session in out.sessions:
        session.track = names.get(session.track) or session.track
    return out


def _track_colors(tracks: object) -> dict[str, str]:
    colors = {}
    for track in _dicts(tracks):
        name = text_or_none(track.get("name"))
        if not name:
            continue
        color = track.get("color") or (
            track.get("colors") if isinstance(track.get("colors"), dict) else {}
        ).get("light")
        if isinstance(color, str):
            colors[name] = color
            if slug := text_or_none(track.get("slug")):
                colors[slug] = color
    return colors
