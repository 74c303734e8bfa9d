"""Database models: the event's venues, rooms and sessions as currently scheduled."""

from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from flask import has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import current_event, db
from webapp.ids import speaker_id
from webapp.localized import LANGS, event_languages, own_texts, pick, with_fallbacks


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back time-zone aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every time in Venue Live carries its offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def text_languages() -> tuple[str, ...]:
    """Return the languages a stored text falls back through: the served event's (ko, en outside an app)."""
    return event_languages(current_event()) if has_app_context() else LANGS


class LocalizedColumns:
    """A model whose texts are stored one JSON column each, in the languages the data gives them:
    the column name (attribute names), title (titles), text (texts) holds {"de": ..., "en": ...}."""

    def text(self, field: str) -> dict[str, str]:
        """Return one of the model's texts ("name", "title", "text") in the API's shape (with_fallbacks)."""
        return with_fallbacks(getattr(self, f"{field}s"), text_languages())

    def text_in(self, field: str, lang: str) -> str:
        """Return one of the model's texts in lang, by the one fallback rule (pick, the event's languages)."""
        return pick(getattr(self, f"{field}s"), lang, text_languages())


class Venue(LocalizedColumns, db.Model):
    __tablename__ = "venues"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    names: Mapped[dict[str, str]] = mapped_column("name", sa.JSON)
    lon: Mapped[float]
    lat: Mapped[float]
    position: Mapped[str] = mapped_column(sa.String(20))
    accuracy_m: Mapped[float]
    # Everything else in the feature's properties (address, station, hints, sources), as loaded.
    properties: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    rooms: Mapped[list["Room"]] = relationship(back_populates="venue", order_by="Room.sort_order")

    def name(self, lang: str) -> str:
        """Return the venue's name in lang."""
        return self.text_in("name", lang)

    def short_name(self, lang: str) -> str:
        """Return the venue's short name in lang."""
        return pick(self.properties["short_name"], lang)

    def to_feature(self) -> dict[str, Any]:
        """Return the venue as a GeoJSON Feature with its rooms and their current status."""
        props = {k: v for k, v in self.properties.items() if k != "rooms"}
        props["rooms"] = [room.to_dict() for room in self.rooms]
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": {"type": "Point", "coordinates": [self.lon, self.lat]},
            "properties": props,
        }


class Room(LocalizedColumns, db.Model):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    venue_id: Mapped[str] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    names: Mapped[dict[str, str]] = mapped_column("name", sa.JSON)
    floor: Mapped[str] = mapped_column(sa.String(10))
    capacity: Mapped[int | None]
    provenance: Mapped[str] = mapped_column(sa.String(20))
    # open | full: set by staff, kept across re-imports.
    status: Mapped[str] = mapped_column(sa.String(10), default="open")

    venue: Mapped[Venue] = relationship(back_populates="rooms")

    def name(self, lang: str) -> str:
        """Return the room's name in lang."""
        return self.text_in("name", lang)

    def to_dict(self) -> dict[str, Any]:
        """Return the room as the API shows it."""
        return {
            "id": self.id,
            "venue": self.venue_id,
            "name": self.text("name"),
            "floor": self.floor,
            "capacity": self.capacity,
            "provenance": self.provenance,
            "status": self.status,
        }


class Session(LocalizedColumns, db.Model):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    titles: Mapped[dict[str, str]] = mapped_column("title", sa.JSON)
    track_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_id: Mapped[str | None] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    room_id: Mapped[str | None] = mapped_column(sa.ForeignKey("rooms.id"))
    mode: Mapped[str] = mapped_column(sa.String(20))
    stream_url: Mapped[str | None] = mapped_column(sa.String(500))
    language: Mapped[str] = mapped_column(sa.String(10))
    provenance: Mapped[str] = mapped_column(sa.String(20))
    # scheduled | cancelled, and the stream's scheduled | live | ended: set by staff.
    status: Mapped[str] = mapped_column(sa.String(20), default="scheduled")
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    stream_status: Mapped[str] = mapped_column(sa.String(20), default="scheduled")
    # Bumped by every staff change: a stale edit (older version) is refused with 409.
    version: Mapped[int] = mapped_column(default=1)
    # Speakers, description and provenance note, as loaded.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    venue: Mapped[Venue | None] = relationship()
    room: Mapped[Room | None] = relationship()

    def title(self, lang: str) -> str:
        """Return the session's title in lang."""
        return self.text_in("title", lang)

    def place_names(self, lang: str) -> tuple[str | None, str | None]:
        """Return the venue's short name and the room's name in lang (None where it has none): what
        web/i18n.place_text writes as a place."""
        return (
            self.venue.short_name(lang) if self.venue else None,
            self.room.name(lang) if self.room else None,
        )

    @classmethod
    def values_from(cls, s: Any) -> dict[str, Any]:
        """Return the column values of a session as the data files give it (datafiles.SessionData)."""
        return dict(
            titles=own_texts(s.title),
            track_id=s.track,
            start_at=s.start,
            end_at=s.end,
            venue_id=s.venue,
            room_id=s.room,
            mode=s.mode,
            stream_url=s.stream_url,
            language=s.language,
            provenance=s.provenance,
            details=s.model_dump(
                mode="json", include={"speakers", "description", "note", "subtitle", "abstract"}
            ),
        )

    def to_dict(self, tz: tzinfo = UTC) -> dict[str, Any]:
        """Return the session as the API, the socket payloads and the exports show it."""
        return {
            "id": self.id,
            "title": self.text("title"),
            "subtitle": self.details.get("subtitle"),
            "description": self.details.get("description"),
            "abstract": self.details.get("abstract"),
            "track": self.track_id,
            "speakers": [
                {**sp, "speaker": speaker_id(sp.get("id"), sp["name"].values())}
                for sp in self.details.get("speakers", [])
            ],
            "start": self.start_at.astimezone(tz).isoformat(),
            "end": self.end_at.astimezone(tz).isoformat(),
            "venue": self.venue_id,
            "room": self.room_id,
            "mode": self.mode,
            "stream_url": self.stream_url,
            "stream_status": self.stream_status,
            "language": self.language,
            "status": self.status,
            "status_reason": self.status_reason,
            "provenance": self.provenance,
            "note": self.details.get("note"),
            "version": self.version,
        }


class EventMeta(db.Model):
    """Key/value facts about what is loaded: the event block and the data version."""

    __tablename__ = "event_meta"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)


class Staff(UserMixin, db.Model):
    """A staff member who may change the program; there is no default account."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the signed-in session's id; bumped on sign-out and password change, so every copy of an
    # older session cookie stops working on the server.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # staff: today's changes (console, log, signage, the API); organiser: also the venues, the event's
    # settings and the staff accounts. Accounts made before roles existed are staff.
    role: Mapped[str] = mapped_column(sa.String(20), default="staff", server_default="staff")

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session: the staff id and the session epoch."""
        return f"{self.id}.{self.session_epoch}"


class ApiToken(db.Model):
    """A personal bearer token for scripts; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()


class SignInLink(db.Model):
    """A one-time sign-in link for one staff member: expiring, single use, revocable; only its hash is stored."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()


class SavedVenues(db.Model):
    """A venues document saved from /staff/venues; the newest is in effect while the file is one it knew."""

    __tablename__ = "saved_venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The document exactly as saved: the same JSON a venues file holds.
    body: Mapped[str] = mapped_column(sa.Text)
    body_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    # The venues file on disk when it was saved: while the file is still that one, this save wins.
    file_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(sa.String(80))


class Announcement(LocalizedColumns, db.Model):
    """A message from staff to everyone or to one venue, shown until it expires or is retracted."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    texts: Mapped[dict[str, str]] = mapped_column("text", sa.JSON)
    venue_id: Mapped[str | None] = mapped_column(sa.ForeignKey("venues.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retracted: Mapped[bool] = mapped_column(default=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the announcement as the API and the socket payloads show it."""
        return {
            "id": self.id,
            "text": self.text("text"),
            "venue": self.venue_id,
            "expires_at": self.expires_at.isoformat(),
            "retracted": self.retracted,
        }


class LogHead(db.Model):
    """One row holding the last seq; writers lock it, so seq has no gaps even on PostgreSQL."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)


class Change(db.Model):
    """One staff change, append-only: what it touched, the state before and after, who and when."""

    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(20))
    session_id: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    venue_id: Mapped[str | None] = mapped_column(sa.String(80))
    room_id: Mapped[str | None] = mapped_column(sa.String(80))
    announcement_id: Mapped[int | None]
    undoes: Mapped[int | None]
    # The title of the session, the room's name or the announcement's text (Session.text's shape: ko, en
    # and the text's own languages): for toasts and the log.
    subject: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(sa.String(80))

    def to_dict(self) -> dict[str, Any]:
        """Return the change as published over Socket.IO and served by /api/changes."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "session": self.session_id,
            "venue": self.venue_id,
            "room": self.room_id,
            "announcement": self.announcement_id,
            "undoes": self.undoes,
            "subject": self.subject,
            "before": self.before,
            "after": self.after,
            "at": self.at.isoformat(),
            "by": self.by,
        }
