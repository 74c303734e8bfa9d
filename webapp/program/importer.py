"""Import the event's data files into the database, idempotently."""

from dataclasses import dataclass

import sqlalchemy as sa

from webapp.extensions import db
from webapp.live.log import session_columns, staff_state
from webapp.models import EventMeta, Room, Session, Venue
from webapp.program.eventdata import EventData


@dataclass(frozen=True)
class ImportResult:
    """How many rows an import added, changed and removed."""

    added: int
    changed: int
    removed: int
    version: str

    def __str__(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.removed} removed (data version {self.version})"


def _upsert(model: type, ident: str, values: dict) -> str:
    """Insert or update one row; return 'added', 'changed' or 'same'."""
    row = db.session.get(model, ident)
    if row is None:
        db.session.add(model(id=ident, **values))
        return "added"
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return "changed" if changed else "same"


def _venue_rows(event: EventData) -> list[tuple[type, str, dict]]:
    rows: list[tuple[type, str, dict]] = []
    for order, feature in enumerate(event.venues):
        props = feature.properties
        lon, lat = feature.lon_lat
        data = props.model_dump(mode="json", exclude={"rooms"})
        rows.append(
            (
                Venue,
                props.id,
                dict(
                    sort_order=order,
                    **Venue.text_columns("name", props.name),
                    lon=lon,
                    lat=lat,
                    position=props.position,
                    accuracy_m=props.accuracy_m,
                    properties=data,
                ),
            )
        )
        for room_order, room in enumerate(props.rooms):
            values = dict(
                venue_id=props.id,
                sort_order=room_order,
                **Room.text_columns("name", room.name),
                floor=room.floor,
                capacity=room.capacity,
                provenance=room.provenance,
            )
            rows.append((Room, room.id, values))
    return rows


def _session_rows(event: EventData) -> list[tuple[type, str, dict]]:
    return [(Session, s.id, Session.values_from(s)) for s in event.program.sessions]


def import_event(event: EventData) -> ImportResult:
    """Bring the database in line with the data files in one transaction, keeping every staff change."""
    counts = {"added": 0, "changed": 0, "same": 0}
    # Staff changes live in the change log, not in the files: lay them over the files' values.
    staff = staff_state()
    for model, ident, values in _venue_rows(event) + _session_rows(event):
        if model is Session and ("session", ident) in staff:
            values.update(session_columns(staff["session", ident]))
        elif model is Room and ("room", ident) in staff:
            values.update(staff["room", ident])
        counts[_upsert(model, ident, values)] += 1
    db.session.flush()
    removed = 0
    session_ids = [s.id for s in event.program.sessions]
    removed += db.session.execute(sa.delete(Session).where(Session.id.not_in(session_ids))).rowcount
    removed += db.session.execute(sa.delete(Room).where(Room.id.not_in(list(event.rooms_by_id)))).rowcount
    removed += db.session.execute(sa.delete(Venue).where(Venue.id.not_in(list(event.venues_by_id)))).rowcount
    meta = db.session.get(EventMeta, "version")
    if meta is None:
        db.session.add(EventMeta(key="version", value=event.version))
    else:
        meta.value = event.version
    db.session.commit()
    return ImportResult(counts["added"], counts["changed"], removed, event.version)


def imported_version() -> str | None:
    """Return the data version last imported, or None when nothing is."""
    meta = db.session.get(EventMeta, "version")
    return meta.value if meta else None
