"""Every limit of a staff change, and the request bodies that carry them: defined here and nowhere else.

The API validates POST /api/changes with these models (and documents them in its OpenAPI document),
apply_change validates with the same models, the staff console gets the limits as page data, and
the data files take their id pattern from here. What text and URLs may hold is webapp.text's rule.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from webapp.ids import Id
from webapp.text import TEXT, url_rule

MAX_TEXT = 280
MAX_URL = 500
DELAY_MINUTES = (-240, 1440)
MAX_ANNOUNCEMENT_MINUTES = 7 * 24 * 60
# The change log's seq, announcement ids and versions are 32-bit integer columns.
MAX_INT = 2**31 - 1
# Times staff give must fall within the event's days, this much before or after.
TIME_MARGIN = timedelta(days=7)

RoomStatus = Literal["open", "full"]
StreamStatus = Literal["scheduled", "live", "ended"]
SessionStatus = Literal["scheduled", "cancelled"]


Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT), TEXT]
Url = Annotated[StrictStr, StringConstraints(max_length=MAX_URL), url_rule()]
Seq = Annotated[StrictInt, Field(ge=1, le=MAX_INT)]
Version = Annotated[
    StrictInt, Field(ge=0, le=MAX_INT, description="The session's version you saw: 409 if stale.")
]


def _no_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0: a delay of 0 minutes changes nothing")
    return value


Delay = Annotated[StrictInt, Field(ge=DELAY_MINUTES[0], le=DELAY_MINUTES[1]), AfterValidator(_no_zero)]


class ChangeBody(BaseModel):
    """Fields every change has: its kind. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


class SessionChange(ChangeBody):
    """A change to one session, refused with 409 when expected_version is stale."""

    session: Id
    expected_version: Version | None = None


class MayClash(BaseModel):
    """A change that can put a session where another already is: refused with 409 "clash" unless allowed."""

    allow_clash: StrictBool = Field(
        False,
        description="Make the change even if the session then overlaps another in the same room "
        "(otherwise 409 with error 'clash' and the sessions it would overlap).",
    )


class Move(MayClash, SessionChange):
    """Move a session to another room (and its venue)."""

    kind: Literal["move"]
    room: Id
    venue: Id | None = Field(None, description="Optional; must be the room's venue.")


class Retime(MayClash, SessionChange):
    """Delay a session, or give it a new start and end."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["delay_minutes"]},
                {"required": ["start", "end"], "not": {"required": ["delay_minutes"]}},
            ]
        }
    )
    kind: Literal["retime"]
    delay_minutes: Delay | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_way(self):
        if self.delay_minutes is None and (self.start is None or self.end is None):
            raise ValueError("give delay_minutes, or both start and end")
        if self.delay_minutes is None and self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class Cancel(SessionChange):
    """Cancel a session."""

    kind: Literal["cancel"]
    reason: Text | None = Field(None, description="Shown to visitors.")


class Restore(MayClash, SessionChange):
    """Restore a cancelled session."""

    kind: Literal["restore"]


class SetStreamStatus(SessionChange):
    """Mark a stream live or off air, optionally with a new link."""

    kind: Literal["stream_status"]
    status: StreamStatus
    stream_url: Url | None = None


class SetRoomStatus(ChangeBody):
    """Mark a room full or open."""

    kind: Literal["room_status"]
    room: Id
    status: RoomStatus


# An announcement's text by language code, in one or more of the event's languages (checked when it is
# applied, against the event it is for): {"ko": "...", "en": "..."}.
AnnouncementText = Annotated[
    dict[StrictStr, Text],
    Field(
        min_length=1,
        description='The text in one or more of the event\'s languages, by code: {"ko": ..., "en": ...}.',
    ),
]


class Announce(ChangeBody):
    """Post an announcement to everyone (venue null) or one venue, with an expiry."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["expires_in_minutes"]},
                {"required": ["expires_at"], "not": {"required": ["expires_in_minutes"]}},
            ]
        }
    )
    kind: Literal["announce"]
    text: AnnouncementText
    venue: Id | None = None
    expires_in_minutes: Annotated[StrictInt, Field(ge=1, le=MAX_ANNOUNCEMENT_MINUTES)] | None = None
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_expiry(self):
        if self.expires_in_minutes is None and self.expires_at is None:
            raise ValueError("give expires_in_minutes or expires_at")
        return self


class Retract(ChangeBody):
    """Retract an announcement."""

    kind: Literal["retract"]
    announcement: Annotated[StrictInt, Field(ge=1, le=MAX_INT)]


class Undo(MayClash, ChangeBody):
    """Undo a change (the undo is itself a change)."""

    kind: Literal["undo"]
    seq: Seq
    expected_version: Version | None = None


class Add(MayClash, ChangeBody):
    """Add a session (a new release of a followed schedule has it)."""

    kind: Literal["add"]
    new_session: dict[str, Any] = Field(
        description="The session as program.json gives it (id, title, track, start, end, venue, room, mode, ...)."
    )


KIND_MODELS: tuple[type[ChangeBody], ...] = (
    Move, Retime, Cancel, Restore, SetRoomStatus, SetStreamStatus, Announce, Retract, Undo, Add,
)  # fmt: skip
# The kind of each model, read from its `kind` literal: the one place a kind is named.
KINDS: tuple[str, ...] = tuple(m.model_fields["kind"].annotation.__args__[0] for m in KIND_MODELS)
KIND_LABELS = {
    Move: _l("Move"), Retime: _l("Retime"), Cancel: _l("Cancel"), Restore: _l("Restore"),
    SetRoomStatus: _l("Room"), SetStreamStatus: _l("Stream"), Announce: _l("Announcement"),
    Retract: _l("Retract"), Undo: _l("Undo"), Add: _l("Add"),
}  # fmt: skip

AnyChange = Annotated[
    Move | Retime | Cancel | Restore | SetRoomStatus | SetStreamStatus | Announce | Retract | Undo | Add,
    Field(discriminator="kind"),
]


class NewChange(RootModel[AnyChange]):
    """One staff change; `kind` says which."""


_ADAPTER = TypeAdapter(AnyChange)


def kind_words() -> dict[str, str]:
    """Return each change kind's name in the interface language."""
    return {kind: str(KIND_LABELS[model]) for kind, model in zip(KINDS, KIND_MODELS, strict=True)}


def _where(loc: tuple) -> str:
    # The first part of a union's location is the tag ('retime'); the field follows it.
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if parts and parts[0] in KINDS:
        parts = parts[1:]
    return ".".join(parts)


def error_sentence(exc: ValidationError) -> str:
    """Return a validation error as one sentence for people: which field, and what is wrong."""
    first = exc.errors(include_url=False, include_input=False)[0]
    kind, where = first["type"], _where(first["loc"])
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"'kind' must be one of {', '.join(KINDS)}."
    if kind in ("model_attributes_type", "model_type", "dict_type") and not where:
        return "A change is a JSON object."
    message = first["msg"].removeprefix("Value error, ").removeprefix("Input ")
    if kind == "missing":
        message = "is required"
    if kind == "string_too_long":
        message = f"is too long; at most {first['ctx']['max_length']} characters are allowed"
    elif kind == "timezone_aware":
        message = "has no UTC offset"
    message = message[0].lower() + message[1:]
    sentence = f"'{where}' {message}" if where else message[0].upper() + message[1:]
    return (sentence.rstrip(".") + ".").encode("utf-8", "replace").decode()


def parse_change(data: Any) -> ChangeBody:
    """Return a change body validated by its kind's model; raise ValidationError when it is refused."""
    if isinstance(data, NewChange):
        return data.root
    if isinstance(data, ChangeBody):
        return data
    return _ADAPTER.validate_python(data)


def event_window(days: list[date], tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the earliest and latest time a change may set: the event's days and the margin."""
    first = datetime.combine(min(days), time(0), tz).astimezone(UTC) - TIME_MARGIN
    last = datetime.combine(max(days) + timedelta(days=1), time(0), tz).astimezone(UTC) + TIME_MARGIN
    return first, last


def console_limits() -> dict[str, Any]:
    """Return the limits the staff console's form and script check before asking the server."""
    return {
        "delay_min": DELAY_MINUTES[0],
        "delay_max": DELAY_MINUTES[1],
        "max_text": MAX_TEXT,
        "max_url": MAX_URL,
        "max_announcement_minutes": MAX_ANNOUNCEMENT_MINUTES,
    }
