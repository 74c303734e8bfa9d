"""Which committed changes become a push notice, gathered per session for a minute, and what it says."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.live.log import session_state
from webapp.models import Change, Room, Session
from webapp.program.alternatives import alternatives, slot_session
from webapp.push.models import PushNotice
from webapp.push.subscriptions import followed
from webapp.web.i18n import clock_time, place_text

SESSION_KINDS = ("move", "retime", "cancel", "restore", "stream_status", "undo")
ROOM_KINDS = ("room_status", "undo")


def _state(s: Session, room_status: str | None = None) -> dict[str, Any]:
    """Return what a notice compares: the session's state and the status of its room."""
    return {"session": session_state(s), "room_status": room_status or (s.room.status if s.room else None)}


def _baselines(change: Change, tz: ZoneInfo) -> dict[str, dict[str, Any]]:
    """Return {session id: its state before change} for every session the change touches."""
    if change.session_id and change.kind in SESSION_KINDS and change.before:
        s = db.session.get(Session, change.session_id)
        before_room = db.session.get(Room, change.before["room"]) if change.before.get("room") else None
        return {s.id: {"session": change.before, "room_status": before_room.status if before_room else None}}
    if change.room_id and change.session_id is None and change.kind in ROOM_KINDS and change.before:
        # A full room concerns the session in it now, or the next one that day.
        s = slot_session(db.session.get(Room, change.room_id), change.at, tz)
        return {s.id: _state(s, change.before.get("status"))} if s else {}
    return {}


def record(change: Change, debounce: timedelta, tz: ZoneInfo) -> list[PushNotice]:
    """Open or extend the pending notice of each followed session the change touches; return them."""
    baselines = _baselines(change, tz)
    touched = followed(list(baselines))
    notices = []
    for session_id in sorted(touched):
        pending = db.session.scalars(
            sa.select(PushNotice).where(PushNotice.session_id == session_id, PushNotice.state == "pending")
        ).first()
        if pending is None:
            pending = PushNotice(
                session_id=session_id, state="pending", first_seq=change.seq, baseline=baselines[session_id],
                due_at=change.at + debounce, sent=0, failed=0, removed=0, skipped=0,
            )  # fmt: skip
            db.session.add(pending)
        pending.last_seq = change.seq
        notices.append(pending)
    if notices:
        db.session.commit()
    return notices


def _also_now(s: Session, now: datetime, tz: ZoneInfo, lang: str) -> str:
    options = alternatives(s, now, tz, limit=1)
    if not options:
        return ""
    best = options[0]
    place = place_text(*best.session.place_names(lang), _("Online"))
    return " " + _(
        "Also now: %(title)s, %(place)s, %(minutes)d min walk",
        title=best.session.title(lang), place=place, minutes=best.walking_minutes,
    )  # fmt: skip


def _headline(before: dict, after: dict, s: Session, tz: ZoneInfo, lang: str) -> str | None:
    b, c = before["session"], after["session"]
    words = {
        "title": s.title(lang),
        "place": place_text(*s.place_names(lang), _("Online")),
        "time": clock_time(s.start_at, tz),
    }
    if c["status"] == "cancelled":
        return None if b["status"] == "cancelled" else _("%(title)s is cancelled.", **words)
    if b["status"] == "cancelled":
        return _("%(title)s is back on: %(place)s, %(time)s", **words)
    if (b["venue"], b["room"]) != (c["venue"], c["room"]):
        return _("%(title)s moved to %(place)s, %(time)s", **words)
    if (b["start"], b["end"]) != (c["start"], c["end"]):
        return _("%(title)s now starts at %(time)s, %(place)s", **words)
    if after["room_status"] == "full" and before["room_status"] != "full":
        return _("%(place)s is full for %(title)s.", **words)
    if c["stream_status"] == "live" and b["stream_status"] != "live":
        return _("%(title)s is streaming live now.", **words)
    return None


def compose(baseline: dict, s: Session, now: datetime, tz: ZoneInfo, lang: str) -> str | None:
    """Return the notice's text in lang, or None when the changes since baseline leave nothing to say."""
    after = _state(s)
    if after == baseline:
        return None  # undone within the minute
    with force_locale(lang):
        text = _headline(baseline, after, s, tz, lang)
        # A room that turned full: say where else to go (a cancelled session has no text here).
        if text and after["room_status"] == "full" and baseline["room_status"] != "full":
            text += _also_now(s, now, tz, lang)
    return text
