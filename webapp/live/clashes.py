"""Clashes: a change that puts a session in a room at a time another scheduled session holds it.

One rule, used by every writer: a staff change through apply_changes is refused with 409 "clash"
unless it says allow_clash, and a followed schedule's release (webapp/sources/follow.py) applies
as it always did and lists the clashes it made for staff.
"""

from datetime import datetime, tzinfo

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Session

# The kinds that can put a session in a room at a time: where it is, when, or that it happens at all.
PLACING_KINDS = frozenset({"move", "retime", "restore", "add", "undo"})


def _overlapping(session_id: str, state: dict | None) -> list[Session]:
    """Return the scheduled sessions, other than session_id, in state's room at a time that overlaps state's."""
    if state is None or state.get("status") == "cancelled" or not state.get("room"):
        return []
    start, end = datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"])
    query = (
        sa.select(Session)
        .where(
            Session.room_id == state["room"],
            Session.id != session_id,
            Session.status != "cancelled",
            Session.start_at < end,
            Session.end_at > start,
        )
        .order_by(Session.start_at, Session.id)
    )
    return list(db.session.scalars(query))


def new_clashes(session_id: str, before: dict | None, after: dict | None) -> list[Session]:
    """Return the sessions a session overlaps in its room after a change and did not overlap before it.

    before and after are session states as the change log stores them (room, start, end, status).
    A clash that was there already (two sessions the data files put together) is not the change's doing.
    """
    earlier = {s.id for s in _overlapping(session_id, before)}
    return [s for s in _overlapping(session_id, after) if s.id not in earlier]


def clash_dict(s: Session, tz: tzinfo) -> dict:
    """Return a session another one would overlap, as the API and the console show it."""
    return {
        "session": s.id,
        "title": s.text("title"),
        "start": s.start_at.astimezone(tz).isoformat(),
        "end": s.end_at.astimezone(tz).isoformat(),
        "venue": s.venue_id,
        "room": s.room_id,
    }


def clash_message(found: list[Session], tz: tzinfo) -> str:
    """Return one sentence naming what the room already holds at that time, and how to go ahead anyway."""
    named = "; ".join(
        f"'{s.title('en')}' ({s.start_at.astimezone(tz):%H:%M}–{s.end_at.astimezone(tz):%H:%M})"
        for s in found[:3]
    )
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (
        f"The room is already taken at that time by {named}{more}. "
        'Send "allow_clash": true to make the change anyway.'
    )
