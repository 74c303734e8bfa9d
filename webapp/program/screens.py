"""Room screens: what is on in one room now and next, in large type (/rooms/<id>)."""

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from webapp.models import Room
from webapp.program import alternatives
from webapp.program.present import session_view
from webapp.program.queries import get_room, list_sessions, now_and_next
from webapp.web.context import current_event, page_clock, page_lang

bp = Blueprint("screens", __name__)

# What the page scripts keep of each session (room.js).
ROOM_SCRIPT_KEYS = (
    "id", "title", "url", "start", "end", "time", "status", "status_reason", "stream_status", "stream_url",
)  # fmt: skip


def screen_labels() -> dict[str, str]:
    """Return the words room.js and watch.js (the streams page) write into the page, in the page's language."""
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
