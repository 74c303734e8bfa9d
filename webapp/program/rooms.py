"""Room screens, what is live online, and printable signage."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import segno
from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup

from webapp.models import Room, Session, Venue
from webapp.program import alternatives
from webapp.program.eventdata import EventData
from webapp.program.pages import page_clock
from webapp.program.present import session_view
from webapp.program.queries import get_room, list_sessions, list_venues, now_and_next
from webapp.web.context import current_event, page_lang

bp = Blueprint("rooms", __name__)

# Sessions that can be watched from anywhere; the modes come from program.json.
WATCHABLE_MODES = ("online", "hybrid")
# How many sessions /live lists under "Next" (the room screen shows now_and_next's default of 2).
LIVE_NEXT_LIMIT = 6
# What the page scripts keep of each session (room.js, watch.js).
ROOM_SCRIPT_KEYS = ("id", "title", "url", "start", "end", "time", "status", "status_reason", "stream_status")
WATCH_SCRIPT_KEYS = ("id", "start", "end", "status", "stream_status", "stream_url", "mode")


@dataclass(frozen=True)
class StreamGroups:
    """Watchable sessions split the way /live shows them; `rest` is everything else, kept for live regrouping."""

    live: list[Session]
    on_now: list[Session]
    next: list[Session]
    rest: list[Session]


@dataclass(frozen=True)
class Poster:
    """One A4 poster: what it names and where its QR code points."""

    kind: str  # room | venue
    id: str
    name: dict[str, str]
    floor: str | None
    venue_name: dict[str, str]
    address: dict[str, str]
    url: str
    qr_svg: Markup


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


def screen_view(s: Session, lang: str, event: EventData) -> dict:
    """Return a session as the room screen and /live show it: session_view plus its stream state."""
    return {**session_view(s, lang, event), "stream_status": s.stream_status}


def qr_svg(url: str) -> Markup:
    """Return an inline SVG QR code for url; safe to mark so because segno wrote every byte of it."""
    code = segno.make_qr(url, error="m")
    return Markup(code.svg_inline(border=4, omitsize=True, svgclass="qr", lineclass=None))  # noqa: S704


def public_base(requested: str | None, fallback: str) -> str:
    """Return the http(s) origin (and path prefix) the posters link to; raise ValueError for a bad one."""
    base = (requested or fallback).strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"'{base}' is not an http(s) address such as https://live.example.org")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _both(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


def signage_posters(venues: list[Venue], base_url: str) -> list[Poster]:
    """Return a poster for each venue, followed by one for each of its rooms, linking under base_url."""
    posters = []
    for venue in venues:
        venue_name = _both(venue.name_ko, venue.name_en)
        address = venue.properties["address"]
        url = f"{base_url}/venues/{venue.id}"
        posters.append(Poster("venue", venue.id, venue_name, None, venue_name, address, url, qr_svg(url)))
        for room in venue.rooms:
            url = f"{base_url}/rooms/{room.id}"
            name = _both(room.name_ko, room.name_en)
            posters.append(Poster("room", room.id, name, room.floor, venue_name, address, url, qr_svg(url)))
    return posters


# Posters speak both languages at once, whatever the page's language.
POSTER_WORDS = {
    "scan_room": _l("Scan for what is on in this room now and next"),
    "scan_venue": _l("Scan for this venue's rooms and sessions"),
}


def poster_words() -> dict[str, dict[str, str]]:
    """Return the posters' fixed words in Korean and English."""
    words: dict[str, dict[str, str]] = {key: {} for key in POSTER_WORDS}
    for lang in ("ko", "en"):
        with force_locale(lang):
            for key, text in POSTER_WORDS.items():
                words[key][lang] = str(text)
    return words


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
        "now": clock.now.isoformat(),
        "ticking": clock.source == "real",
        "sessions": [
            {k: v[k] for k in ROOM_SCRIPT_KEYS} for v in (screen_view(s, lang, event) for s in in_room)
        ],
        "labels": screen_labels(),
    }
    return render_template(
        "room.html",
        room=found,
        now=[screen_view(s, lang, event) for s in nn.now],
        next=[screen_view(s, lang, event) for s in nn.next],
        state=state,
        clock=clock,
        screen=request.args.get("screen") == "1",
        **alternatives.page_context(found, alternatives.for_room(found, clock.now, event.tz), lang, event.tz),
    )


@bp.get("/live")
def live():
    """Show what is streaming now and next across venues, with a way to watch each."""
    event, lang, clock = current_event(), page_lang(), page_clock()
    groups = stream_groups(list_sessions(event.tz), clock.now, event.tz)
    views = {
        name: [screen_view(s, lang, event) for s in getattr(groups, name)]
        for name in ("live", "on_now", "next", "rest")
    }
    state = {
        "now": clock.now.isoformat(),
        "ticking": clock.source == "real",
        "next_limit": LIVE_NEXT_LIMIT,
        "sessions": [{k: v[k] for k in WATCH_SCRIPT_KEYS} for group in views.values() for v in group],
        "labels": screen_labels(),
    }
    return render_template("live.html", groups=views, state=state, clock=clock)


@bp.get("/staff/signage")
@login_required
def signage():
    """Show printable A4 posters with QR codes for every room and venue, or one venue's."""
    venues = list_venues()
    chosen = request.args.get("venue") or None
    if chosen and chosen not in {v.id for v in venues}:
        abort(404, description=_("There is no such venue."))
    try:
        base = public_base(request.args.get("base"), request.host_url)
    except ValueError as exc:
        abort(400, description=str(exc))
    shown = [v for v in venues if chosen in (None, v.id)]
    return render_template(
        "signage.html",
        posters=signage_posters(shown, base),
        venues=venues,
        chosen=chosen,
        base=base,
        words=poster_words(),
        no_live=True,
    )
