"""Import the event's data files into the database, idempotently; one event per database.

The database remembers which event it holds (its `event.id`). Importing another event's files into it is
refused with one sentence: its change log, announcements and subscribers belong to the event they were
made for. `flask --app webapp import-event --replace` archives them and starts the new event afresh.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from webapp.extensions import db
from webapp.live.log import session_columns, staff_state
from webapp.localized import own_texts
from webapp.models import EventMeta, Room, Session, Venue
from webapp.program.eventdata import EventData

EVENT_KEY = "event_id"


class OtherEventError(Exception):
    """The database holds another event; the message is one sentence saying what to do."""


def held_event(event: EventData) -> str | None:
    """Return the id of the event the database holds, when it is not event (None: this one, or none)."""
    meta = db.session.get(EventMeta, EVENT_KEY)
    if meta is not None:
        return meta.value if meta.value != event.event.id else None
    # A database from before event ids were kept: the same event shares sessions with the files.
    held = set(db.session.scalars(sa.select(Session.id)))
    if held and not held & {s.id for s in event.program.sessions}:
        return "an earlier event"
    return None


def check_same_event(event: EventData) -> None:
    """Raise OtherEventError when the database holds an event other than event."""
    if (held := held_event(event)) is None:
        return
    where = db.engine.url.render_as_string(hide_password=True)
    name = (
        f"the event '{held}'"
        if held != "an earlier event"
        else "an earlier event (none of its sessions is in these files)"
    )
    raise OtherEventError(
        f"The database {where} holds {name}, not '{event.event.id}': to run both side by side, give this "
        "event its own database (DATABASE_URL); to replace the old one here, run `flask --app webapp "
        "import-event --replace`, which first archives its change log, announcements, conflicts and push "
        "subscriptions to a file."
    )


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
                    names=own_texts(props.name),
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
                names=own_texts(room.name),
                floor=room.floor,
                capacity=room.capacity,
                provenance=room.provenance,
            )
            rows.append((Room, room.id, values))
    return rows


def _session_rows(event: EventData) -> list[tuple[type, str, dict]]:
    return [(Session, s.id, Session.values_from(s)) for s in event.program.sessions]


def import_event(event: EventData, replacing: bool = False) -> ImportResult:
    """Bring the database in line with the data files in one transaction, keeping every staff change.

    Raise OtherEventError, changing nothing, when the database holds another event (unless replacing:
    the caller has archived and removed the old event's log, in this transaction).
    """
    if not replacing:
        check_same_event(event)
    result = apply_event(event)
    db.session.commit()
    return result


def apply_event(event: EventData) -> ImportResult:
    """Bring the database in line with the event data, keeping every staff change; leave the commit to the caller."""
    counts = {"added": 0, "changed": 0, "same": 0}
    # Every row read at once (kept referenced, so _upsert's get() finds it loaded), not one query per row.
    _loaded = [row for model in (Venue, Room, Session) for row in db.session.scalars(sa.select(model))]
    # Staff changes live in the change log, not in the files: lay them over the files' values.
    staff = staff_state()
    for model, ident, values in _venue_rows(event) + _session_rows(event):
        if model is Session and ("session", ident) in staff:
            values.update(session_columns(staff["session", ident]))
            # A staff move named the room's venue then; the room may be in another venue now.
            if values["room_id"] in event.rooms_by_id:
                values["venue_id"] = event.rooms_by_id[values["room_id"]][0]
        elif model is Room and ("room", ident) in staff:
            values.update(staff["room", ident])
        counts[_upsert(model, ident, values)] += 1
    db.session.flush()
    removed = 0
    session_ids = [s.id for s in event.program.sessions]
    removed += db.session.execute(sa.delete(Session).where(Session.id.not_in(session_ids))).rowcount
    removed += db.session.execute(sa.delete(Room).where(Room.id.not_in(list(event.rooms_by_id)))).rowcount
    removed += db.session.execute(sa.delete(Venue).where(Venue.id.not_in(list(event.venues_by_id)))).rowcount
    for key, value in (("version", event.version), (EVENT_KEY, event.event.id)):
        meta = db.session.get(EventMeta, key)
        if meta is None:
            db.session.add(EventMeta(key=key, value=value))
        else:
            meta.value = value
    db.session.flush()
    return ImportResult(counts["added"], counts["changed"], removed, event.version)


def imported_version() -> str | None:
    """Return the data version last imported, or None when nothing is."""
    meta = db.session.get(EventMeta, "version")
    return meta.value if meta else None
