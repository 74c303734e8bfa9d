"""Schedule conflicts in words: what staff set, what the source says, and the change that takes the source's."""

from datetime import datetime

from babel.dates import format_skeleton
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Session
from webapp.sources.follow import current_fields
from webapp.web.i18n import place_text

SHOWN = 20


def _value(words, kind: str, state: dict) -> str:
    """Return a conflicting field pair in words: a place for a move, a time range for a retime."""
    if kind == "move":
        return place_text(*words.place_names(state.get("venue"), state.get("room")), words.words["online"])
    return words.when(state.get("start"), state.get("end"))


def _state(s: Session | None, conflict: dict) -> str:
    """Return 'open' while the session differs from the source, 'taken' once it agrees, 'gone' without it."""
    if s is None:
        return "gone"
    current = current_fields(s)
    return "taken" if all(current.get(k) == v for k, v in conflict["source"].items()) else "open"


def conflict_rows(conflicts: list[dict], words, limit: int = SHOWN) -> list[dict]:
    """Return the newest conflicts as the log and the console list them, each with its one-tap change."""
    rows = []
    for conflict in conflicts[:limit]:
        s = db.session.get(Session, conflict["session"])
        state = _state(s, conflict)
        at = datetime.fromisoformat(conflict["at"]).astimezone(words.tz)
        take = dict(conflict["take_source"])
        if s is not None:
            take["expected_version"] = s.version  # the state this page shows, not the one at the release
        rows.append(
            {
                "session": conflict["session"],
                "title": s.title(words.lang) if s is not None else conflict.get("title", conflict["session"]),
                "what": words.words["kinds"].get(conflict["kind"], conflict["kind"]),
                "staff": _value(words, conflict["kind"], conflict["staff"]),
                "source": _value(words, conflict["kind"], conflict["source"]),
                "by": conflict.get("by", ""),
                "at": at.isoformat(),
                "at_label": f"{format_skeleton('MMMd', at.date(), locale=words.lang)} {at:%H:%M}",
                "state": state,
                "state_label": {"open": "", "taken": _("Source's value taken"), "gone": _("Session removed")}[
                    state
                ],
                "take": take if state == "open" else None,
            }
        )
    return rows


def _overlap(a: Session | None, b: Session | None) -> bool:
    """Return whether two sessions still hold one room at overlapping times."""
    if a is None or b is None or "cancelled" in (a.status, b.status) or a.room_id is None:
        return False
    return a.room_id == b.room_id and a.start_at < b.end_at and b.start_at < a.end_at


def clash_rows(clashes: list[dict], words, limit: int = SHOWN) -> list[dict]:
    """Return the newest clashes releases made, as /staff/log lists them: which sessions, where and when."""
    rows = []
    for clash in clashes[:limit]:
        one, other = db.session.get(Session, clash["session"]), db.session.get(Session, clash["with"])
        at = datetime.fromisoformat(clash["at"]).astimezone(words.tz)
        rows.append(
            {
                "session": clash["session"],
                "title": one.title(words.lang) if one is not None else clash["title"],
                "when": words.when(clash["start"], clash["end"]),
                "with": clash["with"],
                "with_title": other.title(words.lang) if other is not None else clash["with_title"],
                "with_when": words.when(clash["with_start"], clash["with_end"]),
                "place": place_text(*words.place_names(clash["venue"], clash["room"]), words.words["online"]),
                "release": clash.get("release", ""),
                "by": clash.get("by", ""),
                "at": at.isoformat(),
                "at_label": f"{format_skeleton('MMMd', at.date(), locale=words.lang)} {at:%H:%M}",
                "open": _overlap(one, other),
            }
        )
    return rows
