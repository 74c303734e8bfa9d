"""Room screens and what is live online (/rooms/<id>, /live)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from webapp.models import Room, Session
from webapp.program import alternatives
from webapp.program.present import session_view
from webapp.program.queries import get_room, list_sessions, now_and_next
from webapp.web.context import current_event, page_clock, page_lang

bp = Blueprint("rooms", __name__)

# Sessions that can be watched from anywhere; the modes come from program.json.
WATCHABLE_MODES = ("online", "hybrid")
# How many sessions /live lists under "Next" (the room screen shows now_and_next's default of 2).
LIVE_NEXT_LIMIT = 6
# What the page scripts keep of each session (room.js, watch.js).
ROOM_SCRIPT_KEYS = (
    "id", "title", "url", "start", "end", "time", "status", "status_reason", "stream_status", "stream_url",
)  # fmt: skip
WATCH_SCRIPT_KEYS = ("id", "start", "end", "status", "stream_status", "stream_url", "mode")


@dataclass(frozen=True)
class StreamGroups:
    """Watchable sessions split the way /live shows them; `rest` is everything else, kept for live regrouping."""

    live: list[Session]
    on_now: list[Session]
    next: list[Session]
    rest: list[Session]


# --- services (no request: arguments in, values out) ----------------------------------------------


def stream_groups(
    sessions: list[Session], now: datetime, tz: ZoneInfo, limit: int = LIVE_NEXT_LIMIT
) -> StreamGroups:
    """Split the watchable sessions into live now (staff said so), on now, and next today."""
    watchable = [s for s in sessions if s.mode in WATCHABLE_MODES]
    live = [s for s in watchable if s.stream_status == "live"]
    nn = now_and_next([s for s in watchable if s.stream_status != "live"], now, tz, limit=limit)
    shown = {s.id for s in (*live, *nn.now, *nn.next)}
    return StreamGroups(live, nn.now, nn.next, [s for s in watchable if s.id not in shown])


def screen_labels() -> dict[str, str]:
    """Return the words room.js and watch.js write into the page, in the page's language."""
    return {
        "stream_scheduled": _("Scheduled"),
        "stream_live": _("Live"),
        "stream_ended": _("Ended"),
        "nothing_now": _("Nothing on now."),
        "nothing_next": _("Nothing more today in this room."),
        "cancelled": _("Cancelled"),
        "player": _("Video player: %(title)s"),
        "watch_here": _("Watch here"),
        "close_player": _("Close player"),
    }


# --- routes ---------------------------------------------------------------------------------------


@bp.get("/rooms/<room_id>")
def room(room_id: str):
    """Show what is on in one room now and next, in large type, kept current live."""
    found: Room = get_room(room_id) or abort(404, description=_("There is no such room."))
    event, lang, clock = current_event(), page_lang(), page_clock()
    in_room = list_sessions(event.tz, room_id=room_id)
    nn = now_and_next(in_room, clock.now, event.tz)
    state = {
        "room": found.id,
        "status": found.status,
        "sessions": [
            {k: v[k] for k in ROOM_SCRIPT_KEYS} for v in (session_view(s, lang, event) for s in in_room)
        ],
        "labels": screen_labels(),
    }
    # "Please watch online" only when the session the room is full for has a stream.
    slot = alternatives.slot_session(found, clock.now, event.tz)
    state["streamed"] = bool(slot and slot.stream_url)
    return render_template(
        "room.html",
        room=found,
        now=[session_view(s, lang, event) for s in nn.now],
        next=[session_view(s, lang, event) for s in nn.next],
        state=state,
        clock=clock,
        screen=request.args.get("screen") == "1",
        **alternatives.page_context(
            found, alternatives.for_room(found, clock.now, event.tz), lang, event.tz, now=clock.now
        ),
    )


@bp.get("/live")
def live():
    """Show what is streaming now and next across venues, with a way to watch each."""
    event, lang, clock = current_event(), page_lang(), page_clock()
    groups = stream_groups(list_sessions(event.tz), clock.now, event.tz)
    views = {
        name: [session_view(s, lang, event) for s in getattr(groups, name)]
        for name in ("live", "on_now", "next", "rest")
    }
    state = {
        "next_limit": LIVE_NEXT_LIMIT,
        "sessions": [{k: v[k] for k in WATCH_SCRIPT_KEYS} for group in views.values() for v in group],
        "labels": screen_labels(),
    }
    return render_template("live.html", groups=views, state=state, clock=clock)
