"""Load and validate the event's two data files: venues.geojson and program.json."""

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from webapp.datafiles import (
    EventInfo,
    Program,
    Room,
    Track,
    VenueCollection,
    VenueFeature,
    VenueProperties,
)
from webapp.live.schemas import event_window
from webapp.localized import (
    LANG_PATTERN,
    LANGS,
    SPOKEN_PATTERN,
    TITLE_MAX,
    Localized,
)
from webapp.program.jsonfile import EventDataError, parse_json, read_json

__all__ = ["LANGS", "TITLE_MAX", "EventData", "EventDataError", "Localized", "load_event", "load_venues"]


@dataclass(frozen=True)
class EventData:
    """The validated event: venues, tracks and sessions, with look-ups by id."""

    venues: list[VenueFeature]
    program: Program
    version: str
    venues_by_id: dict[str, VenueProperties] = field(default_factory=dict)
    rooms_by_id: dict[str, tuple[str, Room]] = field(default_factory=dict)
    tracks_by_id: dict[str, Track] = field(default_factory=dict)
    venues_file: str = "venues.geojson"

    @property
    def event(self) -> EventInfo:
        return self.program.event

    # Kept on the instance (the event never changes; a new version is a new EventData): every page asks.
    @functools.cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.program.event.timezone)

    @functools.cached_property
    def session_ids(self) -> frozenset[str]:
        """Return the ids of the data files' sessions (any other stored session was added by staff)."""
        return frozenset(s.id for s in self.program.sessions)

    @functools.cached_property
    def first_start(self) -> datetime:
        """Return when the first day's program begins: the moment shown outside the event."""
        first_day = self.program.event.days[0]
        starts = [s.start for s in self.program.sessions if s.start.astimezone(self.tz).date() == first_day]
        return min(starts) if starts else datetime.combine(first_day, datetime.min.time(), tzinfo=self.tz)

    @functools.cached_property
    def has_reconstructed(self) -> bool:
        """Tell whether any session or room is reconstructed (then pages explain what that means)."""
        return any(s.provenance == "reconstructed" for s in self.program.sessions) or any(
            room.provenance == "reconstructed" for _venue, room in self.rooms_by_id.values()
        )

    @property
    def unplaced(self) -> list[VenueFeature]:
        """Return the venues whose geometry is null: they cannot be drawn or imported yet."""
        return [f for f in self.venues if f.geometry is None]

    def check_placed(self) -> None:
        """Raise EventDataError for the first venue without coordinates (the map cannot show it)."""
        if unplaced := self.unplaced:
            raise EventDataError(
                self.venues_file,
                f"feature '{unplaced[0].properties.id}'",
                "geometry",
                "has no coordinates; place it on /staff/venues, or run `flask --app webapp venues geocode`",
            )


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _raise_first(name: str, raw: object, exc: ValidationError, collection: str, noun: str) -> None:
    """Turn pydantic's first error into an EventDataError naming the item by its id."""
    error = exc.errors()[0]
    loc = tuple(part for part in error["loc"] if part not in ("Point", "Polygon"))
    item = None
    if len(loc) >= 2 and loc[0] == collection and isinstance(loc[1], int):
        try:
            entry = raw[collection][loc[1]]
            ident = entry.get("id") or entry.get("properties", {}).get("id")
        except (AttributeError, IndexError, KeyError, TypeError):
            ident = None
        item = f"{noun} '{ident}'" if ident else f"{noun} #{loc[1] + 1}"
        loc = loc[2:]
    message = error["msg"]
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
    pattern = (error.get("ctx") or {}).get("pattern")
    if pattern == LANG_PATTERN:
        message = "is not a language code such as 'de' or 'en'"
    elif pattern == SPOKEN_PATTERN:
        message = "is not one to three language codes joined by '-', such as 'de' or 'de-en'"
    elif error["type"] == "missing":
        message = "is missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known field"
    raise EventDataError(name, item, _field_path(loc) or None, message) from None


def _unique(name: str, noun: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise EventDataError(name, f"{noun} '{ident}'", "id", "is used twice")
        seen.add(ident)


def _check_venues(name: str, venues: list[VenueFeature]) -> None:
    _unique(name, "feature", [f.properties.id for f in venues])
    _unique(name, "room", [room.id for f in venues for room in f.properties.rooms])
    known = {f.properties.id for f in venues}
    for feature in venues:
        props = feature.properties
        if feature.id is not None and feature.id != props.id:
            raise EventDataError(name, f"feature '{props.id}'", "id", "differs from properties.id")
        for other in props.transit_hints:
            if other not in known:
                raise EventDataError(
                    name, f"feature '{props.id}'", f"transit_hints.{other}", "names an unknown venue"
                )


def _check_program(name: str, program: Program, venues: dict[str, VenueProperties]) -> None:
    try:
        tz = ZoneInfo(program.event.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise EventDataError(
            name, "event", "timezone", f"'{program.event.timezone[:60]}' is not a known time zone"
        ) from None
    _unique(name, "track", [t.id for t in program.tracks])
    _unique(name, "session", [s.id for s in program.sessions])
    tracks = {t.id for t in program.tracks}
    days = set(program.event.days)
    _, latest = event_window(program.event.days, tz)
    for s in program.sessions:
        item = f"session '{s.id}'"
        for lang, text in s.title.translations.items():
            if len(text) > TITLE_MAX:
                raise EventDataError(name, item, f"title.{lang}", f"is longer than {TITLE_MAX} characters")
        if s.track not in tracks:
            raise EventDataError(name, item, "track", f"'{s.track}' is not listed in tracks")
        # Equal is a zero-length session (a deadline, "doors open"); it is kept, not refused.
        if s.end < s.start:
            raise EventDataError(name, item, "end", "is before start")
        if s.start.astimezone(tz).date() not in days:
            raise EventDataError(name, item, "start", "is not on one of the event's days")
        if s.end > latest:
            raise EventDataError(name, item, "end", "is more than a week after the event's last day")
        if s.mode in ("online", "hybrid") and not s.stream_url:
            raise EventDataError(name, item, "stream_url", f"is required for a {s.mode} session")
        if s.mode == "online" and s.venue is None:
            if s.room is not None:
                raise EventDataError(name, item, "room", "is set but venue is not")
            continue
        if s.venue is None:
            raise EventDataError(name, item, "venue", f"is required for a {s.mode} session")
        if s.venue not in venues:
            raise EventDataError(name, item, "venue", f"'{s.venue}' is not a venue in the venues file")
        if s.room is None:
            raise EventDataError(name, item, "room", "is required when venue is set")
        if s.room not in {r.id for r in venues[s.venue].rooms}:
            raise EventDataError(name, item, "room", f"'{s.room}' is not a room of venue '{s.venue}'")


def _validate_venues(path: Path, data: object) -> VenueCollection:
    try:
        collection = VenueCollection.model_validate(data)
    except ValidationError as exc:
        _raise_first(path.name, data, exc, "features", "feature")
    _check_venues(path.name, collection.features)
    return collection


def load_venues(venues_file: str | Path) -> list[VenueFeature]:
    """Read and validate a venues file alone; raise EventDataError on the first problem."""
    path = Path(venues_file)
    return _validate_venues(path, read_json(path)[1]).features


def _sessions_follow_rooms(program_json: object, features: list[VenueFeature]) -> object:
    """Return the program with each session's venue set to the venue its room is in now."""
    if not isinstance(program_json, dict) or not isinstance(program_json.get("sessions"), list):
        return program_json  # the model names what is wrong
    venue_of = {room.id: f.properties.id for f in features for room in f.properties.rooms}
    sessions = [
        {**s, "venue": venue_of[s["room"]]}
        if isinstance(s, dict) and s.get("venue") is not None and venue_of.get(s.get("room"))
        else s
        for s in program_json["sessions"]
    ]
    return {**program_json, "sessions": sessions}


def load_event(
    venues_file: str | Path, program_file: str | Path, venues_raw: bytes | None = None
) -> EventData:
    """Read, validate and cross-check both files; raise EventDataError on the first problem.

    With venues_raw (a venues document saved at /staff/venues) that document stands in for the venues
    file: it is read and checked exactly as the file would be, and named as the file in errors. Rooms
    may have moved to other venues in it, so each session's venue is then the one its room is in.
    """
    venues_path, program_path = Path(venues_file), Path(program_file)
    saved = venues_raw is not None
    if venues_raw is None:
        venues_raw, venues_json = read_json(venues_path)
    else:
        venues_json = parse_json(venues_path.name, venues_raw)
    program_raw, program_json = read_json(program_path)
    collection = _validate_venues(venues_path, venues_json)
    venues_by_id = {f.properties.id: f.properties for f in collection.features}
    if saved:
        program_json = _sessions_follow_rooms(program_json, collection.features)
    try:
        program = Program.model_validate(program_json)
    except ValidationError as exc:
        _raise_first(program_path.name, program_json, exc, "sessions", "session")
    _check_program(program_path.name, program, venues_by_id)
    version = hashlib.sha256(venues_raw + b"\0" + program_raw).hexdigest()[:16]
    return EventData(
        venues=collection.features,
        program=program,
        version=version,
        venues_by_id=venues_by_id,
        rooms_by_id={r.id: (v.id, r) for v in venues_by_id.values() for r in v.rooms},
        tracks_by_id={t.id: t for t in program.tracks},
        venues_file=venues_path.name,
    )
