"""A way out of a full room: what else starts or runs in the same time slot, nearest first."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import get_translations
from flask_babel import gettext as _

from webapp.models import Room, Session
from webapp.program.queries import list_sessions, list_venues
from webapp.walking import travel
from webapp.web.i18n import place_text, time_range

LIMIT = 3


@dataclass(frozen=True)
class Alternative:
    """A session one could go to instead, and the walk to it from the full room's venue."""

    session: Session
    walking_minutes: int
    running: bool  # already running at the moment asked about, else it starts later in the slot
    approximate: bool


def slot_session(room: Room, now: datetime, tz: ZoneInfo) -> Session | None:
    """Return the room's session running at now, else its next one that day (None when there is none)."""
    sessions = [
        s
        for s in list_sessions(tz, day=now.astimezone(tz).date(), room_id=room.id)
        if s.status != "cancelled"
    ]
    running = [s for s in sessions if s.start_at <= now < s.end_at]
    upcoming = [s for s in sessions if s.start_at > now]
    return (running or upcoming or [None])[0]


def alternatives(full: Session, now: datetime, tz: ZoneInfo, limit: int = LIMIT) -> list[Alternative]:
    """Return sessions elsewhere overlapping full's slot from now on, nearest walk first, then earliest."""
    room = full.room
    if room is None or room.venue is None:
        return []
    start, end = max(now, full.start_at), full.end_at
    found = []
    for s in list_sessions(tz, day=full.start_at.astimezone(tz).date()):
        if s.id == full.id or s.room_id == room.id or s.venue is None or s.status == "cancelled":
            continue
        if s.room is not None and s.room.status == "full":
            continue
        if s.start_at < end and s.end_at > start:
            way = travel(room.venue, s.venue)
            found.append(Alternative(s, way["walking_minutes"], s.start_at <= now, way["approximate"]))
    found.sort(key=lambda a: (a.walking_minutes, a.session.start_at, a.session.id))
    return found[:limit]


def for_room(room: Room, now: datetime, tz: ZoneInfo, limit: int = LIMIT) -> list[Alternative]:
    """Return the alternatives to a room's current or next session (shown while the room is full)."""
    current = slot_session(room, now, tz)
    return alternatives(current, now, tz, limit) if current else []


def view(options: list[Alternative], lang: str, tz: ZoneInfo) -> list[dict]:
    """Return alternatives as the pages list them."""
    return [
        {
            "id": a.session.id,
            "title": a.session.title(lang),
            "url": f"/sessions/{a.session.id}",
            "place": place_text(*a.session.place_names(lang), _("Online")),
            "time": time_range(a.session.start_at, a.session.end_at, tz),
            "minutes": a.walking_minutes,
            "running": a.running,
            "approximate": a.approximate,
        }
        for a in options
    ]


def page_context(
    room: Room | None,
    options: list[Alternative],
    lang: str,
    tz: ZoneInfo,
    *,
    now: datetime,
    session: Session | None = None,
) -> dict:
    """Return {"also": ...}, the argument of templates/_alternatives.html's macro: the list, the room whose
    status shows it, and the data static/js/alternatives.js draws the list from again when a change arrives."""
    return {
        "also": {
            "options": view(options, lang, tz),
            "room": room.id if room else None,
            "status": room.status if room else None,
            "data": script_data(room, session, now, lang, tz) if room and room.venue else None,
        }
    }


def script_data(room: Room, session: Session | None, now: datetime, lang: str, tz: ZoneInfo) -> dict:
    """Return the day's sessions, rooms' states and walks that alternatives.js applies this module's rule to."""
    day = (session.start_at if session else now).astimezone(tz).date()
    sessions = list_sessions(tz, day=day)
    venues = {v.id: v for v in list_venues()}
    rooms = {r.id: r.status for v in venues.values() for r in v.rooms}
    walk = lambda n: get_translations().ngettext(n, n, 2).replace("%(num)d", "{num}")  # noqa: E731
    return {
        "room": room.id,
        "session": session.id if session else None,
        "limit": LIMIT,
        "sessions": [
            {
                "id": s.id,
                "title": s.title(lang),
                "url": f"/sessions/{s.id}",
                "start": s.start_at.astimezone(tz).isoformat(),
                "end": s.end_at.astimezone(tz).isoformat(),
                "venue": s.venue_id,
                "room": s.room_id,
                "status": s.status,
            }
            for s in sessions
        ],
        "rooms": rooms,
        "walks": {
            a.id: {
                b.id: {k: travel(a, b)[k] for k in ("walking_minutes", "approximate")}
                for b in venues.values()
            }
            for a in venues.values()
        },
        "labels": {
            "same": _("same building"),
            "walk": walk("%(num)d min walk"),
            "about": walk("about %(num)d min walk"),
        },
    }
