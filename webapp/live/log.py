"""The change log: the session state a change stores, and the log read back (head, since, snapshot)."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Announcement, Change, LogHead, Room, Session


def session_state(s: Session) -> dict[str, Any]:
    """Return the part of a session staff can change, as stored in a change's before/after."""
    return {
        "venue": s.venue_id,
        "room": s.room_id,
        "start": s.start_at.isoformat(),
        "end": s.end_at.isoformat(),
        "status": s.status,
        "status_reason": s.status_reason,
        "stream_status": s.stream_status,
        "stream_url": s.stream_url,
    }


def session_columns(state: dict[str, Any]) -> dict[str, Any]:
    """Map a session state to the Session columns it sets."""
    return {
        "venue_id": state["venue"],
        "room_id": state["room"],
        "start_at": datetime.fromisoformat(state["start"]),
        "end_at": datetime.fromisoformat(state["end"]),
        "status": state["status"],
        "status_reason": state["status_reason"],
        "stream_status": state["stream_status"],
        "stream_url": state["stream_url"],
    }


def head_seq() -> int:
    """Return the seq of the last change (0 when there is none)."""
    head = db.session.get(LogHead, 1)
    return head.seq if head else 0


def changes_since(since: int, limit: int) -> list[Change]:
    """Return up to limit changes after since, in order."""
    query = sa.select(Change).where(Change.seq > since).order_by(Change.seq).limit(limit)
    return list(db.session.scalars(query))


def recent_changes(limit: int = 20) -> list[Change]:
    """Return the newest changes first."""
    return list(db.session.scalars(sa.select(Change).order_by(Change.seq.desc()).limit(limit)))


def active_announcements(now: datetime | None = None) -> list[Announcement]:
    """Return announcements not retracted and not expired, newest first."""
    now = now or datetime.now(UTC)
    query = sa.select(Announcement).where(~Announcement.retracted, Announcement.expires_at > now)
    return list(db.session.scalars(query.order_by(Announcement.id.desc())))


def staff_state() -> dict[tuple[str, str], dict]:
    """Return the latest staff-set state of every session and room the log touched."""
    latest: dict[tuple[str, str], dict] = {}
    for change in db.session.scalars(sa.select(Change).order_by(Change.seq)):
        if change.announcement_id is not None or change.after is None:
            continue
        key = ("session", change.session_id) if change.session_id else ("room", change.room_id)
        latest[key] = change.after
    return latest


def snapshot() -> dict[str, Any]:
    """Return everything staff can change, for a client too far behind to replay."""
    return {
        "seq": head_seq(),
        "sessions": [s.to_dict() for s in db.session.scalars(sa.select(Session).order_by(Session.start_at))],
        "rooms": [r.to_dict() for r in db.session.scalars(sa.select(Room))],
        "announcements": [a.to_dict() for a in active_announcements()],
    }
