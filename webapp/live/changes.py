"""Staff changes: validate, write the log row and the new state in one transaction, then publish."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db, socketio
from webapp.live.protocol import CHANGE
from webapp.live.signals import change_committed
from webapp.models import Announcement, Change, LogHead, Room, Session, Venue

KINDS = ("move", "retime", "cancel", "restore", "room_status", "stream_status", "announce", "retract", "undo")
ROOM_STATUSES = ("open", "full")
STREAM_STATUSES = ("scheduled", "live", "ended")
MAX_TEXT = 280
MAX_ANNOUNCEMENT = timedelta(days=7)


class ChangeError(Exception):
    """A change that is refused: nothing is written and nothing is published."""

    def __init__(self, status: int, error: str, message: str, current: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.current = status, error, message, current


@dataclass
class Draft:
    """What a kind's handler decided, before it gets its seq."""

    kind: str
    before: dict | None
    after: dict | None
    subject: dict
    session: Session | None = None
    room: Room | None = None
    venue_id: str | None = None
    announcement_id: int | None = None
    undoes: int | None = None


# --- state of what a change touches ---------------------------------------------------------


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


def _set_session(s: Session, state: dict[str, Any]) -> None:
    for key, value in session_columns(state).items():
        setattr(s, key, value)
    s.version += 1


# --- argument parsing -----------------------------------------------------------------------


def _text(data: dict, key: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ChangeError(400, "invalid", f"'{key}' is required and must not be empty.")
        return None
    if not isinstance(value, str):
        raise ChangeError(400, "invalid", f"'{key}' must be text.")
    if len(value) > limit:
        raise ChangeError(
            400, "invalid", f"'{key}' is {len(value)} characters long; at most {limit} are allowed."
        )
    return value.strip()


def _time(data: dict, key: str) -> datetime:
    value = data.get(key)
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ChangeError(400, "invalid", f"'{key}' must be an ISO 8601 time with offset.") from None
    if moment.tzinfo is None:
        raise ChangeError(400, "invalid", f"'{key}' has no UTC offset.")
    return moment


def _session(data: dict) -> Session:
    ident = data.get("session")
    found = db.session.get(Session, ident) if isinstance(ident, str) else None
    if found is None:
        raise ChangeError(404, "not_found", f"There is no session '{ident}'.")
    expected = data.get("expected_version")
    if expected is not None and expected != found.version:
        raise ChangeError(
            409,
            "conflict",
            "Someone else changed this session first; here is its current state.",
            current=found.to_dict(),
        )
    return found


def _room(data: dict) -> Room:
    ident = data.get("room")
    found = db.session.get(Room, ident) if isinstance(ident, str) else None
    if found is None:
        raise ChangeError(404, "not_found", f"There is no room '{ident}'.")
    return found


def _subject(s: Session) -> dict:
    return {"ko": s.title_ko, "en": s.title_en}


def _session_draft(kind: str, s: Session, mutate: Callable[[dict], None]) -> Draft:
    before = session_state(s)
    after = dict(before)
    mutate(after)
    if after == before:
        raise ChangeError(400, "no_change", "That change would leave the session as it is.")
    _set_session(s, after)
    return Draft(kind, before, after, _subject(s), session=s, room=s.room, venue_id=after["venue"])


# --- one handler per kind -------------------------------------------------------------------


def _move(data: dict, now: datetime) -> Draft:
    s, room = _session(data), _room(data)
    venue = data.get("venue")
    if venue is not None and venue != room.venue_id:
        raise ChangeError(400, "invalid", f"Room '{room.id}' is not in venue '{venue}'.")
    draft = _session_draft("move", s, lambda st: st.update(venue=room.venue_id, room=room.id))
    draft.room = room
    return draft


def _retime(data: dict, now: datetime) -> Draft:
    s = _session(data)
    if "delay_minutes" in data:
        delay = data["delay_minutes"]
        if not isinstance(delay, int) or isinstance(delay, bool) or not -240 <= delay <= 1440 or delay == 0:
            raise ChangeError(
                400, "invalid", "'delay_minutes' must be a whole number from -240 to 1440, not 0."
            )
        start, end = s.start_at + timedelta(minutes=delay), s.end_at + timedelta(minutes=delay)
    else:
        start, end = _time(data, "start"), _time(data, "end")
    if end <= start:
        raise ChangeError(400, "invalid", "'end' must be after 'start'.")
    return _session_draft(
        "retime",
        s,
        lambda st: st.update(start=start.astimezone(UTC).isoformat(), end=end.astimezone(UTC).isoformat()),
    )


def _cancel(data: dict, now: datetime) -> Draft:
    s = _session(data)
    reason = _text(data, "reason", required=False)
    if s.status == "cancelled":
        raise ChangeError(400, "no_change", "That session is already cancelled.")
    return _session_draft("cancel", s, lambda st: st.update(status="cancelled", status_reason=reason))


def _restore(data: dict, now: datetime) -> Draft:
    s = _session(data)
    if s.status != "cancelled":
        raise ChangeError(400, "no_change", "That session is not cancelled.")
    return _session_draft("restore", s, lambda st: st.update(status="scheduled", status_reason=None))


def _stream_status(data: dict, now: datetime) -> Draft:
    s = _session(data)
    status = data.get("status")
    if status not in STREAM_STATUSES:
        raise ChangeError(400, "invalid", f"'status' must be one of {', '.join(STREAM_STATUSES)}.")
    url = _text(data, "stream_url", required=False, limit=500) or s.stream_url
    if url is None or not url.startswith("https://"):
        raise ChangeError(400, "invalid", "A stream needs an https:// 'stream_url'.")
    return _session_draft("stream_status", s, lambda st: st.update(stream_status=status, stream_url=url))


def _room_status(data: dict, now: datetime) -> Draft:
    room = _room(data)
    status = data.get("status")
    if status not in ROOM_STATUSES:
        raise ChangeError(400, "invalid", f"'status' must be one of {', '.join(ROOM_STATUSES)}.")
    if status == room.status:
        raise ChangeError(400, "no_change", f"Room '{room.id}' is already {status}.")
    before, room.status = {"status": room.status}, status
    return Draft(
        "room_status", before, {"status": status}, {"ko": room.name_ko, "en": room.name_en}, room=room,
        venue_id=room.venue_id,
    )  # fmt: skip


def _announce(data: dict, now: datetime) -> Draft:
    text = data.get("text")
    if not isinstance(text, dict):
        raise ChangeError(400, "invalid", "'text' must be an object with 'ko' and/or 'en'.")
    ko, en = _text(text, "ko", required=False), _text(text, "en", required=False)
    if not (ko or en):
        raise ChangeError(400, "invalid", "An announcement needs text in Korean or English.")
    venue = data.get("venue")
    if venue is not None and db.session.get(Venue, venue) is None:
        raise ChangeError(404, "not_found", f"There is no venue '{venue}'.")
    if "expires_in_minutes" in data:
        minutes = data["expires_in_minutes"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise ChangeError(400, "invalid", "'expires_in_minutes' must be a whole number of at least 1.")
        expires = now + timedelta(minutes=minutes)
    else:
        expires = _time(data, "expires_at")
    if expires <= now:
        raise ChangeError(400, "invalid", "That announcement would already have expired.")
    if expires - now > MAX_ANNOUNCEMENT:
        raise ChangeError(400, "invalid", "An announcement may last at most 7 days.")
    item = Announcement(
        text_ko=ko or en, text_en=en or ko, venue_id=venue, expires_at=expires, retracted=False
    )
    db.session.add(item)
    db.session.flush()
    return Draft(
        "announce", None, item.to_dict(), item.to_dict()["text"], venue_id=venue, announcement_id=item.id
    )


def _retract(data: dict, now: datetime) -> Draft:
    item = (
        db.session.get(Announcement, data.get("announcement"))
        if isinstance(data.get("announcement"), int)
        else None
    )
    if item is None:
        raise ChangeError(404, "not_found", f"There is no announcement '{data.get('announcement')}'.")
    if item.retracted:
        raise ChangeError(400, "no_change", "That announcement is already retracted.")
    before = item.to_dict()
    item.retracted = True
    return Draft(
        "retract", before, item.to_dict(), before["text"], venue_id=item.venue_id, announcement_id=item.id
    )


def _undo(data: dict, now: datetime) -> Draft:
    target = db.session.get(Change, data.get("seq")) if isinstance(data.get("seq"), int) else None
    if target is None:
        raise ChangeError(404, "not_found", f"There is no change {data.get('seq')}.")
    if target.announcement_id is not None:
        item = db.session.get(Announcement, target.announcement_id)
        flip = {"announce": True, "retract": False}.get(target.kind, not item.retracted)
        if item.retracted == flip:
            raise ChangeError(409, "conflict", "That announcement has changed since; nothing to undo.")
        before = item.to_dict()
        item.retracted = flip
        return Draft(
            "undo", before, item.to_dict(), before["text"], venue_id=item.venue_id, announcement_id=item.id,
            undoes=target.seq,
        )  # fmt: skip
    if target.session_id is not None:
        s = _session({"session": target.session_id, "expected_version": data.get("expected_version")})
        if session_state(s) != target.after:
            raise ChangeError(
                409, "conflict", "The session has changed since; undo the later change first.", s.to_dict()
            )
        draft = _session_draft("undo", s, lambda st: st.update(target.before))
    else:
        room = db.session.get(Room, target.room_id)
        if room.status != target.after["status"]:
            raise ChangeError(409, "conflict", "The room has changed since; nothing to undo.")
        room.status = target.before["status"]
        draft = Draft(
            "undo", target.after, target.before, {"ko": room.name_ko, "en": room.name_en}, room=room
        )
        draft.venue_id = room.venue_id
    draft.undoes = target.seq
    return draft


HANDLERS: dict[str, Callable[[dict, datetime], Draft]] = {
    "move": _move,
    "retime": _retime,
    "cancel": _cancel,
    "restore": _restore,
    "room_status": _room_status,
    "stream_status": _stream_status,
    "announce": _announce,
    "retract": _retract,
    "undo": _undo,
}


# --- the one way in -------------------------------------------------------------------------


def _lock_head() -> LogHead:
    # A write first: PostgreSQL locks the row; SQLite takes its write lock now (waiting busy_timeout).
    db.session.execute(sa.update(LogHead).where(LogHead.id == 1).values(seq=LogHead.seq))
    head = db.session.scalars(sa.select(LogHead).where(LogHead.id == 1).with_for_update()).one_or_none()
    if head is None:
        raise RuntimeError("The change log has no head row: run `flask --app webapp db upgrade`.")
    return head


def publish(change: Change) -> None:
    """Send one committed change to every client, in this process and (with a message queue) in all others."""
    socketio.emit(CHANGE, change.to_dict())
    change_committed.send(change)


def apply_change(data: dict, by: str, now: datetime | None = None) -> Change:
    """Validate a change, write it and the new state in one transaction, commit, then publish it.

    Raise ChangeError, having written and published nothing, when the change is refused.
    """
    if not isinstance(data, dict):
        raise ChangeError(400, "invalid", "A change is a JSON object.")
    handler = HANDLERS.get(data.get("kind"))
    if handler is None:
        raise ChangeError(400, "invalid", f"'kind' must be one of {', '.join(KINDS)}.")
    now = now or datetime.now(UTC)
    # End any read transaction first, so that the lock below is this transaction's first statement
    # and everything read after it is current (SQLite WAL refuses to upgrade an older snapshot).
    db.session.commit()
    try:
        head = _lock_head()  # taken first: concurrent writers queue here, so seq has no gaps
        draft = handler(data, now)
        head.seq += 1
        change = Change(
            seq=head.seq,
            kind=draft.kind,
            session_id=draft.session.id if draft.session else None,
            venue_id=draft.venue_id,
            room_id=draft.room.id if draft.room else None,
            announcement_id=draft.announcement_id,
            undoes=draft.undoes,
            subject=draft.subject,
            before=draft.before,
            after=draft.after,
            at=now,
            by=by,
        )
        db.session.add(change)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    publish(change)
    return change


# --- reading the log ------------------------------------------------------------------------


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
