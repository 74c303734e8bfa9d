"""Database models: the event's venues, rooms and sessions as currently scheduled."""

from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db


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


def localized(ko: str, en: str) -> dict[str, str]:
    """Return the API's shape for a text in two languages."""
    return {"ko": ko, "en": en}


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    lon: Mapped[float]
    lat: Mapped[float]
    position: Mapped[str] = mapped_column(sa.String(20))
    accuracy_m: Mapped[float]
    # Everything else in the feature's properties (address, station, hints, sources), as loaded.
    properties: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    rooms: Mapped[list["Room"]] = relationship(back_populates="venue", order_by="Room.sort_order")

    def name(self, lang: str) -> str:
        """Return the venue's name in lang."""
        return self.name_en if lang == "en" else self.name_ko

    def short_name(self, lang: str) -> str:
        """Return the venue's short name in lang."""
        return self.properties["short_name"]["en" if lang == "en" else "ko"]

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


class Room(db.Model):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    venue_id: Mapped[str] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    floor: Mapped[str] = mapped_column(sa.String(10))
    capacity: Mapped[int | None]
    provenance: Mapped[str] = mapped_column(sa.String(20))
    # open | full: set by staff, kept across re-imports.
    status: Mapped[str] = mapped_column(sa.String(10), default="open")

    venue: Mapped[Venue] = relationship(back_populates="rooms")

    def name(self, lang: str) -> str:
        """Return the room's name in lang."""
        return self.name_en if lang == "en" else self.name_ko

    def to_dict(self) -> dict[str, Any]:
        """Return the room as the API shows it."""
        return {
            "id": self.id,
            "venue": self.venue_id,
            "name": localized(self.name_ko, self.name_en),
            "floor": self.floor,
            "capacity": self.capacity,
            "provenance": self.provenance,
            "status": self.status,
        }


class Session(db.Model):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    title_ko: Mapped[str] = mapped_column(sa.String(500))
    title_en: Mapped[str] = mapped_column(sa.String(500))
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
    # Speakers, description and provenance note, as loaded.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    venue: Mapped[Venue | None] = relationship()
    room: Mapped[Room | None] = relationship()

    def title(self, lang: str) -> str:
        """Return the session's title in lang."""
        return self.title_en if lang == "en" else self.title_ko

    def to_dict(self, tz: tzinfo = UTC) -> dict[str, Any]:
        """Return the session as the API, the socket payloads and the exports show it."""
        return {
            "id": self.id,
            "title": localized(self.title_ko, self.title_en),
            "description": self.details.get("description"),
            "track": self.track_id,
            "speakers": self.details.get("speakers", []),
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
        }


class EventMeta(db.Model):
    """Key/value facts about what is loaded: the event block and the data version."""

    __tablename__ = "event_meta"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
