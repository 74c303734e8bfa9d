"""Import a schedule: read the source, place its rooms, build program.json, check it, write it."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from webapp.program.eventdata import EventDataError, load_venues
from webapp.sources.deviations import places, summarize
from webapp.sources.fetch import load_source
from webapp.sources.model import ScheduleError, SourceRoom, SourceSchedule
from webapp.sources.rooms import Placement, UnknownRooms, place_rooms, read_rooms_map, slugify
from webapp.sources.skeleton import parse_near, parse_prefixes, skeleton
from webapp.sources.writer import (
    Summary,
    event_languages,
    session_entry,
    session_id,
    tracks_block,
    write_files,
)
from webapp.sources.zones import resolve_timezone

_DAY = timedelta(days=1)


def _event_block(
    schedule: SourceSchedule, zone: str, source: str, sessions: list[dict], languages: list[str]
) -> dict:
    lang = languages[0]
    days = {d.isoformat() for d in schedule.days}
    tz = ZoneInfo(zone)
    days |= {datetime.fromisoformat(s["start"]).astimezone(tz).date().isoformat() for s in sessions}
    block = {
        "id": slugify(schedule.acronym or schedule.title) or "event",
        "name": {lang: schedule.title},
        "short_name": {lang: schedule.acronym or schedule.title},
        "timezone": zone,
        "days": sorted(days),
        "languages": languages,
        "sources": [
            f"{schedule.format} from {source}" + (f", version {schedule.version}" if schedule.version else "")
        ],
    }
    if schedule.url and schedule.url.startswith("https://"):
        block["url"] = schedule.url
    return block


def _notes(schedule: SourceSchedule, zone: str, sessions: list[dict], summary: Summary, no_id: int) -> None:
    tz = ZoneInfo(zone)
    spans = [(s.start.astimezone(tz), s.end.astimezone(tz)) for s in schedule.sessions]
    checks = [
        (sum(start == end for start, end in spans), "zero-length sessions (kept: start equals end)"),
        (
            sum(start.date() != end.date() and end - start <= _DAY for start, end in spans),
            "overnight sessions (kept; each is listed on the day it starts)",
        ),
        (sum(end - start > _DAY for start, end in spans), "sessions longer than a day (kept)"),
        (
            sum(len(s["language"].split("-")) > 1 for s in sessions),
            'sessions in more than one language (kept, e.g. "de-en")',
        ),
        (sum(bool(s["links"]) for s in sessions), "sessions with links (kept)"),
        (
            sum(len(s.links) for s in schedule.sessions) - sum(len(s["links"]) for s in sessions),
            "links that are not http(s) addresses a page may open (dropped)",
        ),
        (
            sum(s["do_not_record"] for s in sessions),
            "sessions that must not be recorded (do_not_record kept)",
        ),
        (no_id, "sessions without a guid or id at the source: their ids follow title, time and room"),
    ]
    summary.notes += [f"{count} {what}" for count, what in checks if count]


def _sessions(
    schedule: SourceSchedule, placements: dict[SourceRoom, Placement], summary: Summary,
    track_ids: dict, progress: Callable[[int, int], None] | None,
) -> tuple[list[dict], int, dict[str, bool]]:  # fmt: skip
    """Return the session entries, how many have no stable id, and each person (has an id at the source)."""
    acronym = slugify(schedule.acronym or schedule.title) or "event"
    languages = summary.languages
    sessions, seen, no_id, persons = [], set(), 0, {}
    for number, item in enumerate(schedule.sessions, 1):
        if progress and number % 100 == 0:
            progress(number, len(schedule.sessions))
        label = f"session {item.title!r} at {item.start.isoformat()}"
        if item.room is None:
            summary.skipped.append(f"{label}: it has no room, so it cannot be placed on the map")
            continue
        if item.end < item.start:
            summary.skipped.append(f"{label}: it ends before it starts")
            continue
        placement = placements[item.room]
        ident, stable = session_id(item, acronym, placement)
        no_id += not stable
        if ident in seen:
            summary.skipped.append(
                f"{label}: its id '{ident}' (from the source's guid) is used by another session"
            )
            continue
        seen.add(ident)
        lang = next((code for code in item.languages if code in languages), languages[0])
        sessions.append(session_entry(item, ident, placement, track_ids[item.track or None], lang))
        for person in item.persons:
            persons[person.id or f"name:{person.name}"] = person.id is not None
    if progress:
        progress(len(schedule.sessions), len(schedule.sessions))
    return sessions, no_id, persons


def build_program(
    schedule: SourceSchedule, placements: dict[SourceRoom, Placement], source: str,
    progress: Callable[[int, int], None] | None = None, timezone: str | None = None,
) -> tuple[dict, Summary]:  # fmt: skip
    """Return program.json's content for the schedule, and the summary of what went in and what not.

    timezone: the event's zone when the source names none, or to use instead of the source's (--timezone).
    """
    summary = Summary(skipped=list(schedule.skipped))
    if not schedule.sessions:
        raise ScheduleError(f"{source} has no session that can be imported ({len(summary.skipped)} skipped).")
    zone, summary.warnings = resolve_timezone(schedule, timezone)
    languages = event_languages(schedule)
    summary.languages = languages
    tracks, track_ids = tracks_block(schedule, summary, languages[0])
    sessions, no_id, persons = _sessions(schedule, placements, summary, track_ids, progress)
    if not sessions:
        raise ScheduleError(f"{source} has no session that can be imported ({len(summary.skipped)} skipped).")
    summary.sessions = len(sessions)
    summary.persons_with_id = sum(persons.values())
    summary.persons_without_id = len(persons) - summary.persons_with_id
    summary.rooms = {room.name: f"{p.venue}/{p.room} (by {p.how})" for room, p in placements.items()}
    _notes(schedule, zone, sessions, summary, no_id)
    program = {
        "event": _event_block(schedule, zone, source, sessions, languages),
        "tracks": tracks,
        "sessions": sessions,
    }
    if schedule.deviations:
        summary.warnings.append(
            f"The source departs from the {schedule.schema} in {places(len(schedule.deviations))}; it was "
            "imported anyway (--strict refuses it):"
        )
        summary.warnings += [f"    {line}" for line in summarize(schedule.deviations)]
    if schedule.cleaned:
        summary.warnings.append(
            f"{schedule.cleaned} texts held control characters (such as NUL), which no page can show; they were removed."
        )
    return program, summary


def used_rooms(schedule: SourceSchedule) -> list[SourceRoom]:
    """Return the rooms sessions are in, each once, with the guid the room list gives."""
    listed = {room.name: room for room in schedule.rooms}
    rooms = {}
    for session in schedule.sessions:
        if session.room is not None:
            session.room = listed.get(session.room.name, session.room)
            rooms.setdefault(session.room.name, session.room)
    return list(rooms.values())


def _venues(
    schedule: SourceSchedule, source: str, venues_file: Path | None, rooms_file: str | Path | None,
    prefixes: list[str], near: str | None,
) -> tuple[object, dict[SourceRoom, Placement], str]:  # fmt: skip
    """Return the venues data to write, where each room is, and a line saying where the venues came from."""
    rooms = used_rooms(schedule)
    if venues_file is None:
        if rooms_file:
            raise ScheduleError("--rooms places rooms in a venues file: give that file with --venues.")
        everything = rooms + [r for r in schedule.rooms if r.name not in {u.name for u in rooms}]
        lang = event_languages(schedule)[0]
        point = parse_near(near)
        data, placements = skeleton(
            everything,
            schedule.title,
            lang,
            parse_prefixes(prefixes),
            f"{schedule.format} at {source}",
            point,
        )
        where = "pinned roughly where --near says" if point else "not placed on the map yet"
        return data, placements, (
            f"Venues: a new venues file with {len(everything)} rooms in {len(data['features'])} venue(s), "
            f"{where}: place them on /staff/venues."
        )  # fmt: skip
    if prefixes or near:
        raise ScheduleError(
            "--venue-prefix and --near shape a new venues file: leave out --venues to write one."
        )
    try:
        venues = load_venues(venues_file)
    except EventDataError as exc:
        raise ScheduleError(str(exc)) from None
    rooms_map = read_rooms_map(rooms_file)
    mapfile = Path(rooms_file).name if rooms_file else "the rooms map"
    placements = place_rooms(rooms, venues, venues_file.name, rooms_map, mapfile)
    return json.loads(venues_file.read_text(encoding="utf-8")), placements, f"Venues: {venues_file}"


def import_schedule(
    source: str, venues_file: str | Path | None = None, rooms_file: str | Path | None = None,
    out_dir: str | Path = ".", dry_run: bool = False, progress: Callable[[int, int], None] | None = None, *,
    timezone: str | None = None, strict: bool = False, venue_prefixes: list[str] = (), near: str | None = None,
) -> tuple[Summary, SourceSchedule]:  # fmt: skip
    """Import source into out_dir/program.json and out_dir/venues.geojson; raise ScheduleError on failure.

    Without venues_file, the venues file already in out_dir is used (placed venues are kept when a new
    release is imported), or, when there is none, a new one is written holding every room of the source.
    """
    out = Path(out_dir)
    found = venues_file is None and (out / "venues.geojson").is_file()
    if found:
        venues_file = out / "venues.geojson"
        if venue_prefixes or near:
            raise ScheduleError(
                f"{venues_file} is already there and is used as it is (your placed venues are kept); "
                "--venue-prefix and --near only shape a new one: move that file away to write a new one."
            )
    schedule = load_source(source, timezone, strict)
    try:
        venues_json, placements, venues_line = _venues(
            schedule,
            source,
            Path(venues_file) if venues_file else None,
            rooms_file,
            list(venue_prefixes),
            near,
        )
    except UnknownRooms as exc:
        if not found:
            raise
        raise ScheduleError(
            f"{exc} ({venues_file} was already there, so it was used: for a new event, give another --out.)"
        ) from None
    program, summary = build_program(schedule, placements, source, progress, timezone)
    summary.notes.insert(0, venues_line)
    if unused := [r.name for r in schedule.rooms if r not in placements]:
        summary.notes.append(
            f"{len(unused)} rooms the source lists have no session, so were not placed: {', '.join(unused)}"
        )
    write_files(program, venues_json, out, dry_run)
    return summary, schedule
