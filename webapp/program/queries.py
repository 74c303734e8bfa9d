"""Program queries: sessions by day, venue, room and track, and what is on now and next."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Room, Session, Venue
from webapp.web.clock import day_start


@dataclass(frozen=True)
class NowNext:
    """Sessions running at a moment, and the ones starting next the same day."""

    now: list[Session]
    next: list[Session]


def list_venues() -> list[Venue]:
    """Return every venue in the data file's order."""
    return list(db.session.scalars(sa.select(Venue).order_by(Venue.sort_order)))


def get_venue(venue_id: str) -> Venue | None:
    """Return one venue, or None."""
    return db.session.get(Venue, venue_id)


def get_room(room_id: str) -> Room | None:
    """Return one room, or None."""
    return db.session.get(Room, room_id)


def get_session(session_id: str) -> Session | None:
    """Return one session, or None."""
    return db.session.get(Session, session_id)


def list_sessions(
    tz: ZoneInfo,
    *,
    day: date | None = None,
    venue_id: str | None = None,
    room_id: str | None = None,
    track_id: str | None = None,
) -> list[Session]:
    """Return sessions in start order, filtered by local day, venue, room and track."""
    # Each session's venue and room in two queries, not two per session (the pages show both).
    query = sa.select(Session).options(selectinload(Session.venue), selectinload(Session.room))
    return list(db.session.scalars(_filtered(query, tz, day, venue_id, room_id, track_id)))


def _filtered(query, tz: ZoneInfo, day, venue_id, room_id, track_id):
    """Return query in start order, limited to a local day, venue, room and track where given."""
    query = query.order_by(Session.start_at, Session.end_at, Session.id)
    if day is not None:
        start = day_start(day, tz)
        query = query.where(Session.start_at >= start, Session.start_at < start + timedelta(days=1))
    for column, value in (
        (Session.venue_id, venue_id),
        (Session.room_id, room_id),
        (Session.track_id, track_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def session_keys(
    tz: ZoneInfo,
    *,
    day: date | None = None,
    venue_id: str | None = None,
    room_id: str | None = None,
    track_id: str | None = None,
) -> list[tuple[str, str | None, int]]:
    """Return (id, current room id, version) of the sessions list_sessions would, in its order, without loading them."""
    query = _filtered(
        sa.select(Session.id, Session.room_id, Session.version), tz, day, venue_id, room_id, track_id
    )
    return [(row.id, row.room_id, row.version) for row in db.session.execute(query)]


def sessions_by_id(ids: list[str]) -> list[Session]:
    """Return the sessions with these ids, in the order of ids (their venue and room loaded)."""
    query = sa.select(Session).options(selectinload(Session.venue), selectinload(Session.room))
    found = {s.id: s for s in db.session.scalars(query.where(Session.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def sessions_besides(ids: set[str]) -> list[Session]:
    """Return the stored sessions whose ids are not among ids (the data files'): those added by staff."""
    others = [i for i in db.session.scalars(sa.select(Session.id)) if i not in ids]
    return sessions_by_id(others) if others else []


def now_and_next(sessions: list[Session], now: datetime, tz: ZoneInfo, limit: int = 2) -> NowNext:
    """Split sessions into those running at now and the next ones starting later that day."""
    today = now.astimezone(tz).date()
    running = sorted((s for s in sessions if s.start_at <= now < s.end_at), key=lambda s: (s.start_at, s.id))
    upcoming = sorted(
        (s for s in sessions if s.start_at > now and s.start_at.astimezone(tz).date() == today),
        key=lambda s: (s.start_at, s.id),
    )
    return NowNext(now=running, next=upcoming[:limit])


def now_next_by_key(
    sessions: list[Session], keys: list[str | None], key_of, now: datetime, tz: ZoneInfo, limit: int = 2
):
    """Return {key: NowNext} for each key, grouping sessions with key_of (venue_id, room_id...)."""
    groups: dict[str | None, list[Session]] = {key: [] for key in keys}
    for s in sessions:
        if key_of(s) in groups:
            groups[key_of(s)].append(s)
    return {key: now_and_next(items, now, tz, limit) for key, items in groups.items()}


def parse_filters(args, event) -> dict:
    """Read day, venue, room and track filters from query arguments; raise ValueError naming a bad one."""
    filters: dict = {}
    day = args.get("day")
    if day:
        try:
            filters["day"] = date.fromisoformat(day)
        except ValueError:
            filters["day"] = None
        if filters["day"] not in event.event.days:
            days = ", ".join(d.isoformat() for d in event.event.days)
            raise ValueError(f"day must be one of {days} (got '{day}')")
    for name, known in (
        ("venue", event.venues_by_id),
        ("room", event.rooms_by_id),
        ("track", event.tracks_by_id),
    ):
        value = args.get(name)
        if value:
            if value not in known:
                raise ValueError(f"{name} '{value}' is not known; see /api/venues and /api/sessions")
            filters[f"{name}_id"] = value
    return filters
