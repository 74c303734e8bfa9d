"""Staff changes: validate, write the log row and the new state in one transaction, then publish."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from webapp.datafiles import SessionData
from webapp.extensions import current_event, db, socketio
from webapp.live.clashes import PLACING_KINDS, clash_dict, clash_message, new_clashes
from webapp.live.log import session_columns, session_state
from webapp.live.protocol import CHANGE
from webapp.live.schemas import (
    MAX_ANNOUNCEMENT_MINUTES,
    Add,
    Announce,
    Cancel,
    ChangeBody,
    Move,
    Restore,
    Retime,
    Retract,
    SetRoomStatus,
    SetStreamStatus,
    Undo,
    error_sentence,
    event_window,
    parse_change,
)
from webapp.live.signals import change_committed
from webapp.localized import event_languages
from webapp.models import Announcement, Change, LogHead, Room, Session, Venue

# What attendees are not sent: the staff member's login name is half of a credential.
STAFF_ONLY = ("by",)


class ChangeError(Exception):
    """A change that is refused: nothing is written and nothing is published."""

    def __init__(
        self, status: int, error: str, message: str, current: dict | None = None, clashes: list | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.current = status, error, message, current
        self.clashes = clashes  # with error "clash": the sessions the change would overlap (clashes.py)


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


@dataclass(frozen=True)
class Moment:
    """When a change is made, and the earliest and latest time it may set (the event and a margin)."""

    now: datetime
    earliest: datetime
    latest: datetime

    def check(self, field: str, value: datetime) -> None:
        """Refuse a time outside the event's days and the margin."""
        if not self.earliest <= value <= self.latest:
            raise ChangeError(
                400, "invalid",
                f"'{field}' must fall within the event's days: "
                f"{self.earliest:%Y-%m-%d} to {self.latest:%Y-%m-%d} (UTC).",
            )  # fmt: skip


# --- state of what a change touches ---------------------------------------------------------


def _set_session(s: Session, state: dict[str, Any]) -> None:
    for key, value in session_columns(state).items():
        setattr(s, key, value)
    s.version += 1


# --- what a change names ------------------------------------------------------------------


def _session(ident: str, expected: int | None) -> Session:
    found = db.session.get(Session, ident)
    if found is None:
        raise ChangeError(404, "not_found", f"There is no session '{ident}'.")
    if expected is not None and expected != found.version:
        raise ChangeError(
            409,
            "conflict",
            "Someone else changed this session first; here is its current state.",
            current=found.to_dict(),
        )
    return found


def _room(ident: str) -> Room:
    found = db.session.get(Room, ident)
    if found is None:
        raise ChangeError(404, "not_found", f"There is no room '{ident}'.")
    return found


def _subject(s: Session) -> dict:
    return s.text("title")


def _session_draft(kind: str, s: Session, mutate: Callable[[dict], None]) -> Draft:
    before = session_state(s)
    after = dict(before)
    mutate(after)
    if after == before:
        raise ChangeError(400, "no_change", "That change would leave the session as it is.")
    _set_session(s, after)
    return Draft(kind, before, after, _subject(s), session=s, room=s.room, venue_id=after["venue"])


# --- one handler per kind -------------------------------------------------------------------


def _move(change: Move, at: Moment) -> Draft:
    s, room = _session(change.session, change.expected_version), _room(change.room)
    if change.venue is not None and change.venue != room.venue_id:
        raise ChangeError(400, "invalid", f"Room '{room.id}' is not in venue '{change.venue}'.")
    draft = _session_draft("move", s, lambda st: st.update(venue=room.venue_id, room=room.id))
    draft.room = room
    return draft


def _retime(change: Retime, at: Moment) -> Draft:
    s = _session(change.session, change.expected_version)
    if change.delay_minutes is not None:
        delay = timedelta(minutes=change.delay_minutes)
        start, end = s.start_at + delay, s.end_at + delay
    else:
        start, end = change.start, change.end
    at.check("start", start)
    at.check("end", end)
    return _session_draft(
        "retime",
        s,
        lambda st: st.update(start=start.astimezone(UTC).isoformat(), end=end.astimezone(UTC).isoformat()),
    )


def _cancel(change: Cancel, at: Moment) -> Draft:
    s = _session(change.session, change.expected_version)
    if s.status == "cancelled":
        raise ChangeError(400, "no_change", "That session is already cancelled.")
    reason = change.reason or None
    return _session_draft("cancel", s, lambda st: st.update(status="cancelled", status_reason=reason))


def _restore(change: Restore, at: Moment) -> Draft:
    s = _session(change.session, change.expected_version)
    if s.status != "cancelled":
        raise ChangeError(400, "no_change", "That session is not cancelled.")
    return _session_draft("restore", s, lambda st: st.update(status="scheduled", status_reason=None))


def _stream_status(change: SetStreamStatus, at: Moment) -> Draft:
    s = _session(change.session, change.expected_version)
    url = change.stream_url or s.stream_url
    if url is None or not url.startswith("https://"):
        raise ChangeError(400, "invalid", "A stream needs an https:// 'stream_url'.")
    status = change.status
    return _session_draft("stream_status", s, lambda st: st.update(stream_status=status, stream_url=url))


def _room_status(change: SetRoomStatus, at: Moment) -> Draft:
    room, status = _room(change.room), change.status
    if status == room.status:
        raise ChangeError(400, "no_change", f"Room '{room.id}' is already {status}.")
    before, room.status = {"status": room.status}, status
    return Draft(
        "room_status", before, {"status": status}, room.text("name"), room=room,
        venue_id=room.venue_id,
    )  # fmt: skip


def _announce(change: Announce, at: Moment) -> Draft:
    langs = event_languages(current_event())
    for lang in change.text:
        if lang not in langs:
            raise ChangeError(
                400,
                "invalid",
                f"'text.{lang[:20]}' is not one of the event's languages ({', '.join(langs)}).",
            )
    texts = {lang: text for lang, text in change.text.items() if text}
    if not texts:
        raise ChangeError(
            400,
            "invalid",
            f"An announcement needs text in one of the event's languages ({', '.join(langs)}).",
        )
    venue = change.venue
    if venue is not None and db.session.get(Venue, venue) is None:
        raise ChangeError(404, "not_found", f"There is no venue '{venue}'.")
    if change.expires_in_minutes is not None:
        expires = at.now + timedelta(minutes=change.expires_in_minutes)
    else:
        expires = change.expires_at
    if expires <= at.now:
        raise ChangeError(400, "invalid", "That announcement would already have expired.")
    if expires - at.now > timedelta(minutes=MAX_ANNOUNCEMENT_MINUTES):
        raise ChangeError(
            400, "invalid", f"An announcement may last at most {MAX_ANNOUNCEMENT_MINUTES // (24 * 60)} days."
        )
    item = Announcement(texts=texts, venue_id=venue, expires_at=expires, retracted=False)
    db.session.add(item)
    db.session.flush()
    return Draft(
        "announce", None, item.to_dict(), item.to_dict()["text"], venue_id=venue, announcement_id=item.id
    )


def _retract(change: Retract, at: Moment) -> Draft:
    item = db.session.get(Announcement, change.announcement)
    if item is None:
        raise ChangeError(404, "not_found", f"There is no announcement '{change.announcement}'.")
    if item.retracted:
        raise ChangeError(400, "no_change", "That announcement is already retracted.")
    before = item.to_dict()
    item.retracted = True
    return Draft(
        "retract", before, item.to_dict(), before["text"], venue_id=item.venue_id, announcement_id=item.id
    )


def _undo_announcement(target: Change) -> Draft:
    item = db.session.get(Announcement, target.announcement_id)
    flip = {"announce": True, "retract": False}.get(target.kind, not item.retracted)
    if item.retracted == flip:
        raise ChangeError(409, "conflict", "That announcement has changed since; nothing to undo.")
    before = item.to_dict()
    item.retracted = flip
    return Draft(
        "undo", before, item.to_dict(), before["text"], venue_id=item.venue_id, announcement_id=item.id
    )


def _undo(change: Undo, at: Moment) -> Draft:
    target = db.session.get(Change, change.seq)
    if target is None:
        raise ChangeError(404, "not_found", f"There is no change {change.seq}.")
    if target.announcement_id is None and target.session_id is None and target.room_id is None:
        # Not a change to a session, a room or an announcement (a save of the venues): nothing to flip back.
        raise ChangeError(400, "invalid", f"Change {change.seq} cannot be undone.")
    if target.announcement_id is not None:
        draft = _undo_announcement(target)
    elif target.session_id is not None:
        s = _session(target.session_id, change.expected_version)
        if session_state(s) != target.after:
            raise ChangeError(
                409, "conflict", "The session has changed since; undo the later change first.", s.to_dict()
            )
        # Undoing an add calls the session off (it has no earlier state, and pages and stars know it).
        restore = target.before if target.before is not None else {"status": "cancelled"}
        draft = _session_draft("undo", s, lambda st: st.update(restore))
    else:
        room = db.session.get(Room, target.room_id)
        if room.status != target.after["status"]:
            raise ChangeError(409, "conflict", "The room has changed since; nothing to undo.")
        before, room.status = {"status": room.status}, target.before["status"]
        draft = Draft(
            "undo", before, {"status": room.status}, room.text("name"), room=room,
            venue_id=room.venue_id,
        )  # fmt: skip
    draft.undoes = target.seq
    return draft


def _add(change: Add, at: Moment) -> Draft:
    # A new session is checked like one in the data files, by the same model, and stored the same way.
    try:
        new = SessionData.model_validate(change.new_session)
    except ValidationError as exc:
        raise ChangeError(400, "invalid", "'new_session': " + error_sentence(exc)) from None
    if db.session.get(Session, new.id) is not None:
        raise ChangeError(409, "conflict", f"There is already a session '{new.id}'.")
    room = _room(new.room or "")
    at.check("start", new.start)
    at.check("end", new.end)
    s = Session(
        id=new.id, **Session.values_from(new), status="scheduled", stream_status="scheduled", version=1
    )
    s.venue_id = room.venue_id
    db.session.add(s)
    db.session.flush()
    db.session.refresh(s)  # its state as stored (times in UTC), the form every later change compares with
    return Draft("add", None, session_state(s), _subject(s), session=s, room=room, venue_id=room.venue_id)


# One handler per kind's model; a new kind adds its model in schemas.py and its handler here.
HANDLERS: dict[type[ChangeBody], Callable[[Any, Moment], Draft]] = {
    Move: _move,
    Retime: _retime,
    Cancel: _cancel,
    Restore: _restore,
    SetRoomStatus: _room_status,
    SetStreamStatus: _stream_status,
    Announce: _announce,
    Retract: _retract,
    Undo: _undo,
    Add: _add,
}


def _refuse_clash(body: ChangeBody, draft: Draft) -> None:
    """Refuse (409 "clash") a change that makes its session overlap another in its room, unless allowed."""
    if draft.session is None or draft.kind not in PLACING_KINDS or getattr(body, "allow_clash", False):
        return
    if found := new_clashes(draft.session.id, draft.before, draft.after):
        tz = current_event().tz
        raise ChangeError(409, "clash", clash_message(found, tz), clashes=[clash_dict(s, tz) for s in found])


# --- the one way in -------------------------------------------------------------------------


def _lock_head() -> LogHead:
    # A write first: PostgreSQL locks the row; SQLite takes its write lock now (waiting busy_timeout).
    db.session.execute(sa.update(LogHead).where(LogHead.id == 1).values(seq=LogHead.seq))
    head = db.session.scalars(sa.select(LogHead).where(LogHead.id == 1).with_for_update()).one_or_none()
    if head is None:
        raise RuntimeError("The change log has no head row: run `flask --app webapp db upgrade`.")
    return head


# What an added session's change carries besides its state (after): what a page needs to draw its row.
ADDED_KEYS = ("id", "title", "track", "speakers", "mode", "language", "provenance")


def public_change(change: Change) -> dict[str, Any]:
    """Return a change as attendees get it: without the staff member's name; an add with its session."""
    out = {k: v for k, v in change.to_dict().items() if k not in STAFF_ONLY}
    if change.kind == "add" and (added := db.session.get(Session, change.session_id)) is not None:
        # Pages draw a session they have not seen from this, never by asking the server again.
        data = added.to_dict()
        out["new_session"] = {key: data[key] for key in ADDED_KEYS}
    return out


def publish(change: Change) -> None:
    """Send one committed change to every client, in this process and (with a message queue) in all others."""
    socketio.emit(CHANGE, public_change(change))
    change_committed.send(change)


def validate_change(data: Any) -> ChangeBody:
    """Return a change body checked by its kind's model; raise ChangeError (400) when it is malformed."""
    try:
        return parse_change(data)
    except ValidationError as exc:
        raise ChangeError(400, "invalid", error_sentence(exc)) from None


def _moment(now: datetime | None) -> Moment:
    event = current_event()
    earliest, latest = event_window(event.event.days, event.tz)
    return Moment(now or datetime.now(UTC), earliest, latest)


def _write(draft: Draft, seq: int, at: datetime, by: str) -> Change:
    change = Change(
        seq=seq,
        kind=draft.kind,
        session_id=draft.session.id if draft.session else None,
        venue_id=draft.venue_id,
        room_id=draft.room.id if draft.room else None,
        announcement_id=draft.announcement_id,
        undoes=draft.undoes,
        subject=draft.subject,
        before=draft.before,
        after=draft.after,
        at=at,
        by=by,
    )
    db.session.add(change)
    return change


def _end_read() -> None:
    """End the session's read transaction; refuse when it holds writes of its caller's (they go in `also`)."""
    if db.session.new or db.session.deleted or any(db.session.is_modified(o) for o in db.session.dirty):
        raise RuntimeError("apply_changes: the session holds unwritten changes; write them in `also`")
    db.session.rollback()


def apply_changes(
    items: Sequence[Any], by: str, now: datetime | None = None, also: Callable[[], None] | None = None
) -> list[Change]:
    """Validate changes, write them (and whatever `also` writes) in one transaction, commit, then publish.

    Each item is a change's JSON object or a body already validated by its model. Raise ChangeError,
    having written and published nothing, when any of them is refused. The caller's session is not
    committed for it: writes of the caller's own go in `also` (RuntimeError when it holds any).
    """
    bodies = [validate_change(item) for item in items]
    at = _moment(now)
    # End the caller's read transaction first, so that the lock below is this transaction's first
    # statement and everything read after it is current (SQLite WAL refuses to upgrade an older
    # snapshot). Only a read is ended: a caller's own writes go in `also`, never committed on the quiet.
    _end_read()
    rows: list[Change] = []
    try:
        head = _lock_head()  # taken first: concurrent writers queue here, so seq has no gaps
        for body in bodies:
            draft = HANDLERS[type(body)](body, at)
            _refuse_clash(body, draft)
            head.seq += 1
            rows.append(_write(draft, head.seq, at.now, by))
            db.session.flush()
        if also is not None:
            also()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for row in rows:
        publish(row)
    return rows


def apply_change(data: Any, by: str, now: datetime | None = None) -> Change:
    """Validate one change, write it and the new state in one transaction, commit, then publish it."""
    return apply_changes([data], by, now)[0]
