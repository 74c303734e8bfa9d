"""The streams page: what is streaming now and next across venues, with a way to watch each (/live)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template

from webapp.models import Session
from webapp.program.present import session_view
from webapp.program.queries import list_sessions, now_and_next
from webapp.program.screens import screen_labels
from webapp.web.context import current_event, page_clock, page_lang

bp = Blueprint("streams", __name__)

# Sessions that can be watched from anywhere; the modes come from program.json.
WATCHABLE_MODES = ("online", "hybrid")
# How many sessions the page lists under "Next" (the room screen shows now_and_next's default of 2).
NEXT_LIMIT = 6
# What the page script keeps of each session (watch.js).
WATCH_SCRIPT_KEYS = ("id", "start", "end", "status", "stream_status", "stream_url", "mode")


@dataclass(frozen=True)
class StreamGroups:
    """Watchable sessions split the way the streams page shows them; `rest` is everything else, kept for live regrouping."""

    live: list[Session]
    on_now: list[Session]
    next: list[Session]
    rest: list[Session]


# --- services (no request: arguments in, values out) ----------------------------------------------


def stream_groups(
    sessions: list[Session], now: datetime, tz: ZoneInfo, limit: int = NEXT_LIMIT
) -> StreamGroups:
    """Split the watchable sessions into live now (staff said so), on now, and next today."""
    watchable = [s for s in sessions if s.mode in WATCHABLE_MODES]
    live = [s for s in watchable if s.stream_status == "live"]
    nn = now_and_next([s for s in watchable if s.stream_status != "live"], now, tz, limit=limit)
    shown = {s.id for s in (*live, *nn.now, *nn.next)}
    return StreamGroups(live, nn.now, nn.next, [s for s in watchable if s.id not in shown])


# --- routes ---------------------------------------------------------------------------------------


@bp.get("/live")
def watch():
    """Show what is streaming now and next across venues, with a way to watch each."""
    event, lang, clock = current_event(), page_lang(), page_clock()
    groups = stream_groups(list_sessions(event.tz), clock.now, event.tz)
    views = {
        name: [session_view(s, lang, event) for s in getattr(groups, name)]
        for name in ("live", "on_now", "next", "rest")
    }
    state = {
        "next_limit": NEXT_LIMIT,
        "sessions": [{k: v[k] for k in WATCH_SCRIPT_KEYS} for group in views.values() for v in group],
        "labels": screen_labels(),
    }
    return render_template("streams.html", groups=views, state=state, clock=clock)
