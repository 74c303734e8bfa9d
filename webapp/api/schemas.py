"""The API's query parameters and response bodies as pydantic models; the OpenAPI document is made from them.

Change request bodies and every limit live in webapp.live.schemas; responses are checked against
these models as they leave (spectree), so the document cannot drift from what the API sends.
"""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NonNegativeInt, model_validator

from webapp.ids import MAX_ID, SLUG_PATTERN, Id
from webapp.live.schemas import MAX_INT, RoomStatus, SessionStatus, StreamStatus
from webapp.localized import SpokenLanguages
from webapp.program.search import MAX_QUERY
from webapp.web.exchange import MAX_IDS

Provenance = Literal["sourced", "reconstructed"]
Coordinates = Annotated[list[float], Field(min_length=2, max_length=2)]
# ?ids=a,b,c: at most MAX_IDS session ids, comma-separated.
IDS_PATTERN = f"^{SLUG_PATTERN[1:-1]}(?:,{SLUG_PATTERN[1:-1]})*$"
# ?at=: a moment of this century, with or without an offset (then read in the event's zone).
AT_PATTERN = (
    r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?(Z|[+-][01][0-9]:[0-5][0-9])?$"
)
MAX_PAGE = 1000
# A search's answers are the best matches first, this many at most per request (issue 20: p99 < 50 ms).
SEARCH_PAGE = 100


# --- query parameters ------------------------------------------------------------------------


def _no_null_defaults(schema: dict[str, Any]) -> None:
    # An absent parameter is not null: a query string has no way to send null.
    for prop in schema.get("properties", {}).values():
        if prop.get("default", 0) is None:
            del prop["default"]


class Query(BaseModel):
    """Query parameters: unknown ones are refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_defaults)


class SessionFilters(Query):
    """Filter the sessions by day, venue, room and track, and page through them."""

    # Optional parameters are typed without None (their default): a query string cannot send null.
    day: str = Field(
        None,
        max_length=10,
        json_schema_extra={"format": "date"},
        description="A day of the event, YYYY-MM-DD.",
    )
    venue: Id = Field(None, description="Only this venue's sessions. See /api/venues for the ids.")
    room: Id = Field(None, description="Only this room's sessions.")
    track: Id = Field(None, description="Only this track's sessions.")
    q: str = Field(
        None,
        max_length=MAX_QUERY,
        description="Search title, subtitle, speakers, track, room and abstract (any part of a word; "
        "Korean without spaces; umlauts as ä or ae). Each word must match; best matches first.",
    )
    offset: int = Field(0, ge=0, le=MAX_INT, description="Skip this many matching sessions.")
    limit: int = Field(
        MAX_PAGE,
        ge=1,
        le=MAX_PAGE,
        description=f"Send at most this many sessions; with q at most {SEARCH_PAGE} ({SEARCH_PAGE} unless "
        "given), the best first: ask for more with offset.",
    )

    @model_validator(mode="after")
    def _search_page(self) -> "SessionFilters":
        if self.searching and "limit" in self.model_fields_set and self.limit > SEARCH_PAGE:
            raise ValueError(f"With 'q', 'limit' is at most {SEARCH_PAGE}: ask for more with 'offset'")
        return self

    @property
    def searching(self) -> bool:
        """Tell whether q asks for a search (not only spaces)."""
        return bool(self.q and self.q.strip())

    @property
    def page_size(self) -> int:
        """Return how many sessions to send: limit, or a search's page when q is given without one."""
        return self.limit if not self.searching or "limit" in self.model_fields_set else SEARCH_PAGE


class SpeakerQuery(Query):
    """Search the speakers by name."""

    q: str = Field(None, max_length=MAX_QUERY, description="Words of the name or affiliation.")


class ChangesQuery(Query):
    """Which part of the change log to send."""

    since: int = Field(
        0, ge=0, le=MAX_INT, description="The last seq you have (0 for all). A seq after the head is a 400."
    )
    limit: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE, description="Send at most this many changes.")


class TravelQuery(Query):
    """The two venues of a trip."""

    from_: Id = Field(alias="from", description="The venue to start from.")
    to: Id = Field(description="The venue to go to.")


class AgendaQuery(Query):
    """The starred sessions to plan, and optionally where you are and when."""

    ids: str = Field(
        None,
        pattern=IDS_PATTERN,
        max_length=MAX_IDS * (MAX_ID + 1),
        description=f"Session ids, comma-separated (at most {MAX_IDS}); unknown ones are listed in `unknown`.",
    )
    lat: float = Field(
        None, ge=-90, le=90, description="Where you are (with lon): `next` then says how long the walk is."
    )
    lon: float = Field(None, ge=-180, le=180, description="Where you are (with lat).")
    at: str = Field(
        None,
        pattern=AT_PATTERN,
        description="Plan as if it were this moment, ISO 8601 (no offset: the event's time zone); "
        "default: the event's clock.",
    )


# --- shared shapes -----------------------------------------------------------------------------


class Error(BaseModel):
    """Every refusal: a short machine-readable code and a sentence for people."""

    error: str
    message: str


class Localized(BaseModel):
    """A text in Korean and English (read through the event's languages when the data lacks one), then
    in each other language the data gives it: {"ko": ..., "en": ..., "de": ...}."""

    ko: str
    en: str


class Point(BaseModel):
    """A GeoJSON Point: longitude, latitude."""

    type: Literal["Point"]
    coordinates: Coordinates


class Room(BaseModel):
    """A room of a venue, with the status staff set live."""

    id: Id
    venue: Id
    name: Localized
    floor: str
    capacity: int | None = Field(ge=1)
    provenance: Provenance
    status: RoomStatus = Field(description="Set live by staff (room_status).")


class Station(BaseModel):
    """The nearest station of a venue."""

    name: Localized
    lines: list[Localized] = []
    distance_m: float = Field(ge=0)
    coordinates: Coordinates


class VenueProperties(BaseModel):
    """What the venue is: names, address, how sure its position is, its rooms."""

    id: Id
    name: Localized
    short_name: Localized
    address: Localized | None = None
    postcode: str | None = None
    position: Literal["exact", "approximate"]
    accuracy_m: float = Field(gt=0)
    position_note: Localized | None = None
    station: Station | None = None
    transit_hints: dict[str, Localized] = {}
    rooms: list[Room]
    sources: list[str] = []


class Venue(BaseModel):
    """A venue as a GeoJSON Feature, its rooms and their current status included."""

    type: Literal["Feature"]
    id: Id
    geometry: Point
    properties: VenueProperties


class Venues(BaseModel):
    """The venues as an RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[Venue]


class Speaker(BaseModel):
    """A speaker of a session."""

    name: Localized
    affiliation: Localized | None = None
    id: str | None = Field(None, description="The person's id at the source (pretalx code, frab id).")
    speaker: str = Field(description="The speaker's id here: see /api/speakers/{speaker_id}.")


class Session(BaseModel):
    """A session as currently scheduled, staff changes included."""

    id: Id
    title: Localized
    subtitle: Localized | None = None
    description: Localized | None = None
    abstract: Localized | None = None
    track: Id
    speakers: list[Speaker] = []
    start: AwareDatetime
    end: AwareDatetime
    venue: Id | None
    room: Id | None
    mode: Literal["in_person", "online", "hybrid"]
    stream_url: str | None = None
    stream_status: StreamStatus = "scheduled"
    language: SpokenLanguages = Field("ko", description="Spoken language codes joined by '-': ko, en, de-en.")
    status: SessionStatus
    status_reason: str | None = None
    provenance: Provenance = "sourced"
    note: Localized | None = None
    version: int = Field(ge=1, description="Bumped by every staff change; send it back as expected_version.")


class SessionList(BaseModel):
    """A page of the matching sessions, in start order."""

    count: NonNegativeInt = Field(description="How many sessions match (all pages).")
    offset: NonNegativeInt = 0
    sessions: list[Session]


class SpeakerSummary(BaseModel):
    """A person the program names as a speaker, and the ids of their sessions."""

    id: str = Field(
        description="The source's person id (pretalx code, frab id), else one made from the name."
    )
    name: Localized
    affiliation: Localized | None = None
    sessions: list[Id]


class SpeakerList(BaseModel):
    """The speakers matching the query, by name."""

    count: NonNegativeInt
    speakers: list[SpeakerSummary]


class SpeakerDetail(SpeakerSummary):
    """A speaker with their sessions as currently scheduled, in start order."""

    sessions: list[Session]


class Clash(BaseModel):
    """A session the change would overlap: it holds the same room at an overlapping time."""

    session: Id
    title: Localized
    start: AwareDatetime
    end: AwareDatetime
    venue: Id | None
    room: Id | None


class Conflict(Error):
    """A 409: a stale edit ('conflict', with the session's current state when known), or a clash
    ('clash': the session would overlap others in its room; send allow_clash true to go ahead)."""

    error: Literal["conflict", "clash"]
    current: Session | None = None
    clashes: list[Clash] | None = Field(None, description="With 'clash': the sessions it would overlap.")


class SessionFeature(BaseModel):
    """A session as a GeoJSON Feature at its venue; geometry null when online-only."""

    type: Literal["Feature"]
    id: Id
    geometry: Point | None
    properties: Session


class SessionFeatures(BaseModel):
    """The sessions as GeoJSON Point features, for QGIS and other maps."""

    type: Literal["FeatureCollection"]
    features: list[SessionFeature]


# --- changes -------------------------------------------------------------------------------------


class Change(BaseModel):
    """One entry of the append-only change log; `by` is sent to staff only."""

    seq: int = Field(ge=1, description="Global, gap-free, increasing.")
    kind: str
    session: Id | None = None
    venue: Id | None = None
    room: Id | None = None
    announcement: int | None = None
    undoes: int | None = None
    subject: dict[str, str] = Field(description="The session's title, room's name or text: ko, en, its own.")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    new_session: dict[str, Any] | None = Field(
        None, description="An added session's title, track, speakers, mode, language and provenance."
    )
    at: AwareDatetime
    by: str | None = Field(None, description="The staff member who made it (staff only).")


class Announcement(BaseModel):
    """A staff announcement, to everyone (venue null) or one venue."""

    id: int
    text: Localized
    venue: Id | None
    expires_at: AwareDatetime
    retracted: bool


class ChangeLog(BaseModel):
    """The changes after `since`, in seq order, and the announcements showing now."""

    seq: NonNegativeInt = Field(description="The last seq; poll again with since=seq.")
    more: bool = Field(description="More changes followed than were sent: ask again from the last one.")
    changes: list[Change] = Field(max_length=MAX_PAGE)
    announcements: list[Announcement]


# --- travel ------------------------------------------------------------------------------------


class WalkingMethod(BaseModel):
    """How walking times are estimated: straight line x detour factor at this speed."""

    basis: Literal["straight_line"]
    detour_factor: float
    speed_kmh: float


class Travel(BaseModel):
    """The trip between two venues."""

    model_config = ConfigDict(populate_by_name=True)
    from_: Id = Field(alias="from")
    to: Id
    distance_m: NonNegativeInt
    walking_minutes: NonNegativeInt
    method: WalkingMethod
    transit_hint: Localized | None
    approximate: bool = Field(description="A venue's position is approximate.")


class Transfer(BaseModel):
    """The walk from one starred session to the next."""

    from_session: Id
    from_venue: Id | None
    to_venue: Id | None
    from_end: AwareDatetime | None = None
    gap_minutes: int
    distance_m: NonNegativeInt | None = None
    walking_minutes: NonNegativeInt | None = None
    transit_hint: Localized | None = None
    approximate: bool | None = None
    leave_by: AwareDatetime
    problem: Literal["overlap", "late"] | None


class AgendaItem(BaseModel):
    """One starred session of a day, and the transfer to it."""

    session: Id
    transfer: Transfer | None


class AgendaDay(BaseModel):
    """The starred sessions of one day."""

    day: date
    items: list[AgendaItem]


class NextStop(BaseModel):
    """The next starred session and when to leave for it."""

    session: Id
    start: AwareDatetime
    origin: Literal["online", "position", "venue"] | None
    from_venue: Id | None = None
    distance_m: NonNegativeInt | None = None
    walking_minutes: NonNegativeInt | None = None
    leave_by: AwareDatetime | None = None
    late: bool | None = None


class Agenda(BaseModel):
    """A plan for the starred sessions: by day, the walk between venues, when to leave."""

    method: WalkingMethod
    now: AwareDatetime
    days: list[AgendaDay]
    warnings: NonNegativeInt = Field(description="Transfers that overlap or are too short.")
    next: NextStop | None
    sessions: dict[str, Session]
    unknown: list[str]


class OpenAPIDocument(BaseModel):
    """This description of the API (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")
    openapi: str
