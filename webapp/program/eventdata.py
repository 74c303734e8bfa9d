"""Load and validate the event's two data files: venues.geojson and program.json."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from webapp.program.localized import (
    LANG_PATTERN,
    LANGS,
    SPOKEN_PATTERN,
    TITLE_MAX,
    LangCode,
    Localized,
    SpokenLanguages,
    Text,
)

__all__ = ["LANGS", "TITLE_MAX", "EventData", "EventDataError", "Localized", "load_event", "load_venues"]

from webapp.live.schemas import Slug, event_window
from webapp.program.jsonfile import EventDataError, read_json

# Years a date in the data files may fall in: anything else is a typo (9999) and would overflow later.
YEARS = (1970, 2100)


def _check_year(value: date) -> date:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"is in the year {value.year}, outside {YEARS[0]}..{YEARS[1]}")
    return value


# Numbers given as numbers (a string such as "127.1" is a mistake, not a coordinate), finite, bounded.
Number = Annotated[float, Field(strict=True)]
Day = Annotated[date, AfterValidator(_check_year)]
Moment = Annotated[AwareDatetime, AfterValidator(_check_year)]


def _check_lon_lat(value: tuple[float, float]) -> tuple[float, float]:
    lon, lat = value
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude {lat} is outside -90..90")
    return value


def _check_https(value: str) -> str:
    if not value.startswith("https://") or len(value) < 12:
        raise ValueError(f"must be an https:// URL (got {value!r})")
    return value


LonLat = Annotated[tuple[Number, Number], AfterValidator(_check_lon_lat)]
HttpsUrl = Annotated[str, AfterValidator(_check_https)]


class Strict(BaseModel):
    """Base for the data models: unknown fields are refused, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Room(Strict):
    id: Slug
    name: Localized
    floor: Annotated[str, StringConstraints(max_length=10)] = ""
    capacity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)] | None = None
    provenance: Literal["sourced", "reconstructed"] = "sourced"
    # Names this room has in imported schedules (`import-schedule` matches on them, and on guids).
    source_names: list[Text] = []


class Station(Strict):
    name: Localized
    lines: list[Localized] = []
    distance_m: Annotated[Number, Field(ge=0, le=100_000)]
    coordinates: LonLat


class Geocoded(Strict):
    """Where a venue's coordinates came from when a geocoder supplied them."""

    by: Text
    query: Text
    at: Day
    match: str | None = None


class VenueProperties(Strict):
    id: Slug
    name: Localized
    # Optional: the name stands in (filled on load, so every reader finds one).
    short_name: Localized = None  # type: ignore[assignment]
    address: Localized | None = None
    postcode: str | None = None
    position: Literal["exact", "approximate"] = "exact"
    accuracy_m: Annotated[Number, Field(gt=0, le=100_000)] = 50
    position_note: Localized | None = None
    station: Station | None = None
    transit_hints: dict[Slug, Localized] = {}
    rooms: Annotated[list[Room], Field(min_length=1)]
    sources: list[str] = []
    # Provenance for whoever edits the file; kept out of dumps so the database and API stay as they were.
    geocoded: Annotated[Geocoded | None, Field(exclude=True)] = None

    @model_validator(mode="before")
    @classmethod
    def _short_name_defaults_to_name(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("short_name") is None and "name" in data:
            return {**data, "short_name": data["name"]}
        return data


class Point(Strict):
    type: Literal["Point"]
    coordinates: LonLat


class Polygon(Strict):
    type: Literal["Polygon"]
    coordinates: Annotated[list[Annotated[list[LonLat], Field(min_length=4)]], Field(min_length=1)]


class VenueFeature(Strict):
    type: Literal["Feature"]
    id: Slug | None = None
    # null (RFC 7946 allows it) until `flask --app webapp venues geocode` looks the address up.
    geometry: Annotated[Point | Polygon, Field(discriminator="type")] | None
    properties: VenueProperties

    @property
    def lon_lat(self) -> tuple[float, float]:
        """Return the point to pin: the Point, or the mean of the footprint's outer ring."""
        if self.geometry is None:
            raise ValueError(f"venue '{self.properties.id}' has no coordinates")
        if isinstance(self.geometry, Point):
            return self.geometry.coordinates
        ring = self.geometry.coordinates[0][:-1]
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))


class VenueCollection(Strict):
    type: Literal["FeatureCollection"]
    features: Annotated[list[VenueFeature], Field(min_length=1)]


class Speaker(Strict):
    name: Localized
    affiliation: Localized | None = None
    # The person's id at the source (pretalx code, frab id, hub guid); absent for hand-written events.
    id: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None


class Link(Strict):
    url: Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2000)]
    title: Annotated[str, StringConstraints(max_length=500)] | None = None
    # The source's kind of link where it gives one (ORIGIN, FEEDBACK, SLIDES, ...).
    type: Annotated[str, StringConstraints(max_length=40)] | None = None


class Track(Strict):
    id: Slug
    name: Localized
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class SessionData(Strict):
    id: Slug
    title: Localized
    description: Localized | None = None
    track: Slug
    speakers: list[Speaker] = []
    start: Moment
    end: Moment
    venue: Slug | None
    room: Slug | None
    mode: Literal["in_person", "online", "hybrid"]
    stream_url: HttpsUrl | None = None
    language: SpokenLanguages = "ko"
    provenance: Literal["sourced", "reconstructed"]
    note: Localized | None = None
    # Written by `import-schedule` (all optional): where the session came from and what it carries.
    guid: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2000)] | None = None
    subtitle: Localized | None = None
    abstract: Localized | None = None
    type: Annotated[str, StringConstraints(max_length=80)] | None = None
    links: list[Link] = []
    do_not_record: bool = False
    recording_license: Annotated[str, StringConstraints(max_length=200)] | None = None


class EventInfo(Strict):
    id: Slug
    name: Localized
    short_name: Localized
    timezone: str
    days: Annotated[list[Day], Field(min_length=1)]
    url: HttpsUrl | None = None
    organiser: Localized | None = None
    sources: list[str] = []
    # The languages the event's texts are written in, the main one first.
    languages: Annotated[list[LangCode], Field(min_length=1)] = list(LANGS)

    @field_validator("languages")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a language twice")
        return value


class Program(Strict):
    event: EventInfo
    tracks: Annotated[list[Track], Field(min_length=1)]
    sessions: Annotated[list[SessionData], Field(min_length=1)]


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

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.program.event.timezone)

    @property
    def first_start(self) -> datetime:
        """Return when the first day's program begins: the moment shown outside the event."""
        first_day = self.program.event.days[0]
        starts = [s.start for s in self.program.sessions if s.start.astimezone(self.tz).date() == first_day]
        return min(starts) if starts else datetime.combine(first_day, datetime.min.time(), tzinfo=self.tz)

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
                "has no coordinates; run `flask --app webapp venues geocode` to look them up",
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


def load_event(venues_file: str | Path, program_file: str | Path) -> EventData:
    """Read, validate and cross-check both files; raise EventDataError on the first problem."""
    venues_path, program_path = Path(venues_file), Path(program_file)
    venues_raw, venues_json = read_json(venues_path)
    program_raw, program_json = read_json(program_path)
    collection = _validate_venues(venues_path, venues_json)
    venues_by_id = {f.properties.id: f.properties for f in collection.features}
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
