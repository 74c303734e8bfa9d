"""The pydantic models of the event's two data files, venues.geojson and program.json."""

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from webapp.ids import Id
from webapp.localized import (
    LANGS,
    LangCode,
    Localized,
    SpokenLanguages,
    Text,
)
from webapp.text import LINE, TEXT, url_rule

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


LonLat = Annotated[tuple[Number, Number], AfterValidator(_check_lon_lat)]
HttpsUrl = Annotated[str, StringConstraints(max_length=2000), url_rule()]
WebUrl = Annotated[str, StringConstraints(max_length=2000), url_rule(("http", "https"))]


def Line(max_length: int | None = None, min_length: int = 0) -> type[str]:
    """Return the type of a one-line value of the data files (a code, an id) of at most max_length."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), LINE]  # type: ignore[return-value]


def Prose(max_length: int | None = None) -> type[str]:
    """Return the type of a text of the data files that may run over lines, of at most max_length."""
    return Annotated[str, StringConstraints(max_length=max_length), TEXT]  # type: ignore[return-value]


class Strict(BaseModel):
    """Base for the data models: unknown fields are refused, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Room(Strict):
    id: Id
    name: Localized
    floor: Line(10) = ""
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
    match: Prose() | None = None


class VenueProperties(Strict):
    id: Id
    name: Localized
    # Optional: the name stands in (filled on load, so every reader finds one).
    short_name: Localized = None  # type: ignore[assignment]
    address: Localized | None = None
    postcode: Line() | None = None
    position: Literal["exact", "approximate"] = "exact"
    accuracy_m: Annotated[Number, Field(gt=0, le=100_000)] = 50
    position_note: Localized | None = None
    station: Station | None = None
    transit_hints: dict[Id, Localized] = {}
    rooms: Annotated[list[Room], Field(min_length=1)]
    sources: list[Prose()] = []
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
    id: Id | None = None
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
    id: Line(80, min_length=1) | None = None


class Link(Strict):
    url: WebUrl
    title: Prose(500) | None = None
    # The source's kind of link where it gives one (ORIGIN, FEEDBACK, SLIDES, ...).
    type: Line(40) | None = None


class Track(Strict):
    id: Id
    name: Localized
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class SessionData(Strict):
    id: Id
    title: Localized
    description: Localized | None = None
    track: Id
    speakers: list[Speaker] = []
    start: Moment
    end: Moment
    venue: Id | None
    room: Id | None
    mode: Literal["in_person", "online", "hybrid"]
    stream_url: HttpsUrl | None = None
    language: SpokenLanguages = "ko"
    provenance: Literal["sourced", "reconstructed"]
    note: Localized | None = None
    # Written by `import-schedule` (all optional): where the session came from and what it carries.
    guid: Line(80, min_length=1) | None = None
    url: WebUrl | None = None
    subtitle: Localized | None = None
    abstract: Localized | None = None
    type: Line(80) | None = None
    links: list[Link] = []
    do_not_record: bool = False
    recording_license: Prose(200) | None = None


class EventInfo(Strict):
    id: Id
    name: Localized
    short_name: Localized
    timezone: Line()
    days: Annotated[list[Day], Field(min_length=1)]
    url: HttpsUrl | None = None
    organiser: Localized | None = None
    sources: list[Prose()] = []
    # The maps apps its directions offer (else: by the venues' country; DIRECTIONS_APPS overrides both).
    directions: list[Literal["kakao", "naver", "google", "osm", "apple"]] = []
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
