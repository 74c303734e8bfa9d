"""Read a c3voc schedule JSON: the nested form (pretalx, frab) and the flat schema2 form (the c3 hub)."""

from datetime import date, datetime

from webapp.sources.model import (
    ScheduleError,
    SourceLink,
    SourcePerson,
    SourceRoom,
    SourceSchedule,
    SourceSession,
    check_event_count,
    parse_duration,
    parse_languages,
    text_or_none,
)


def _moment(value: object, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what} {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{what} {value!r} has no UTC offset")
    return moment


def _links(items: object) -> list[SourceLink]:
    links = []
    for item in items if isinstance(items, list) else []:
        url = text_or_none(item.get("url") or item.get("href")) if isinstance(item, dict) else None
        if url and url.startswith(("http://", "https://")):
            links.append(SourceLink(url, text_or_none(item.get("title")), text_or_none(item.get("type"))))
    return links


def _as_attachments(items: object) -> list[dict]:
    """Return attachments (slides, papers) in the links' shape, typed "attachment" unless they say."""
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            out.append({**item, "type": item.get("type") or "attachment"})
    return out


def _persons(items: object) -> list[SourcePerson]:
    persons = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
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
    return by_name.get(name) or SourceRoom(name) if name else None


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
        do_not_record=bool(raw.get("do_not_record") or recording.get("optout")),
        recording_license=text_or_none(raw.get("recording_license") or recording.get("license")),
    )


def _nested_sessions(conference: dict, rooms: dict[str, SourceRoom], out: SourceSchedule) -> None:
    for day in conference.get("days") or []:
        for room_name, events in (day.get("rooms") or {}).items():
            for raw in events or []:
                add_event(out, raw, nested_times, _room(raw.get("room") or room_name, rooms))


def nested_times(raw: dict) -> tuple[datetime, datetime]:
    start = _moment(raw.get("date"), "date")
    return start, start + parse_duration(raw.get("duration", "00:00"))


def _flat_times(raw: dict) -> tuple[datetime, datetime]:
    start = _moment(raw.get("start") or raw.get("date"), "start")
    if raw.get("end"):
        return start, _moment(raw["end"], "end")
    return start, start + parse_duration(raw.get("duration", "00:00"))


def add_event(out: SourceSchedule, raw: object, times, room: SourceRoom | None) -> None:
    """Add one event to out, or say in out.skipped why it could not be read."""
    label = (
        repr(text_or_none(raw.get("title")) or text_or_none(raw.get("guid")))
        if isinstance(raw, dict)
        else "?"
    )
    if not isinstance(raw, dict):
        out.skipped.append(f"an event that is not an object ({type(raw).__name__})")
        return
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


def _event_count(schedule: dict, conference: dict, flat: bool) -> int:
    if flat:
        return len(schedule["events"])
    return sum(
        len(events) if isinstance(events, list) else 0
        for day in conference.get("days") or []
        if isinstance(day, dict) and isinstance(day.get("rooms"), dict)
        for events in day["rooms"].values()
    )


def _day_list(conference: dict) -> list[date]:
    days = []
    for day in conference.get("days") or []:
        try:
            days.append(date.fromisoformat(str(day.get("date"))[:10]))
        except (AttributeError, ValueError):
            continue
    return days


def read_c3voc_json(data: object) -> SourceSchedule:
    """Return the schedule in a c3voc JSON document (nested or flat form)."""
    schedule = data.get("schedule") if isinstance(data, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict):
        raise ScheduleError("This JSON is not a c3voc schedule: it has no 'schedule.conference' object.")
    flat = isinstance(schedule.get("events"), list)
    rooms = [
        SourceRoom(text_or_none(r.get("name")), text_or_none(r.get("guid")))
        for r in conference.get("rooms") or []
        if isinstance(r, dict) and text_or_none(r.get("name"))
    ]
    out = SourceSchedule(
        format="c3voc schedule2 JSON" if flat else "c3voc schedule JSON",
        title=text_or_none(conference.get("title")) or text_or_none(conference.get("acronym")) or "Event",
        acronym=text_or_none(conference.get("acronym")),
        timezone=text_or_none(conference.get("time_zone_name")) or "UTC",
        version=text_or_none(schedule.get("version")),
        url=text_or_none(conference.get("url") or schedule.get("base_url")),
        days=_day_list(conference),
        languages=parse_languages(conference.get("languages")),
        rooms=rooms,
        track_colors=_track_colors(conference.get("tracks")),
    )
    by_name = {r.name: r for r in rooms}
    check_event_count(_event_count(schedule, conference, flat))
    if flat:
        for raw in schedule["events"]:
            add_event(
                out, raw, _flat_times, _room(raw.get("room"), by_name) if isinstance(raw, dict) else None
            )
    else:
        _nested_sessions(conference, by_name, out)
    # The hub names a session's track by slug only; the conference lists slug and name.
    names = {
        t["slug"]: t["name"]
        for t in conference.get("tracks") or []
        if isinstance(t, dict) and "slug" in t and "name" in t
    }
    for session in out.sessions:
        session.track = text_or_none(names.get(session.track)) or session.track
    return out


def _track_colors(tracks: object) -> dict[str, str]:
    colors = {}
    for track in tracks if isinstance(tracks, list) else []:
        if not isinstance(track, dict) or not text_or_none(track.get("name")):
            continue
        color = track.get("color") or (track.get("colors") or {}).get("light")
        if isinstance(color, str):
            colors[track["name"].strip()] = color
            if text_or_none(track.get("slug")):
                colors[track["slug"].strip()] = color
    return colors
