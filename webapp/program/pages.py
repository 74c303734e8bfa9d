"""The pages people see: the map, the schedule, a session, a venue (the visitor's agenda is webapp/travel/)."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.program import alternatives
from webapp.program.hours import hour_blocks
from webapp.program.mapview import MapParts, build_map
from webapp.program.present import map_labels, map_venues, session_page_data, session_view
from webapp.program.queries import (
    get_session,
    get_venue,
    list_sessions,
    list_venues,
    now_next_by_key,
    parse_filters,
)
from webapp.program.rows_state import rows_state
from webapp.program.session_text import session_text
from webapp.program.speakers import ranked, search_query
from webapp.program.viewcache import result_rows
from webapp.program.walks import locate_data, method_text, travel_rows
from webapp.web.assets import vendor_url
from webapp.web.context import current_event, page_clock, page_lang
from webapp.web.directions import directions_html
from webapp.web.pagecache import cached_page

bp = Blueprint("pages", __name__)
# A search on /schedule shows this many results a page (?page=2 the next), the best first: a phone
# reads them, and the page stays within its budget (issue 20: p99 < 50 ms at 1,000 sessions).
SEARCH_ROWS = 50
MAX_SEARCH_PAGE = 1000  # a bigger ?page= is read as the first


def venue_map(lang: str, focus: str | None = None) -> MapParts:
    """Return the folium map for lang, built once per data version."""
    event = current_event()
    cache = current_app.extensions.setdefault("map_cache", {})
    key = (event.version, lang, focus)
    if key not in cache:
        cache[key] = build_map(
            map_venues(list_venues(), lang),
            labels=map_labels(),
            tiles_url=current_app.config["TILES_URL"],
            attribution=current_app.config["TILES_ATTRIBUTION"],
            leaflet_js=vendor_url("leaflet.js"),
            leaflet_css=vendor_url("leaflet.css"),
            focus=focus,
        )
    return cache[key]


# A room board (a venue's rooms, each with what is on now) shows the one session next in each room.
ROOM_BOARD_NEXT = 1


def room_board(venue, sessions, now, lang) -> list[dict]:
    """Return [{room, now, next}] for each room of venue, from sessions (views in lang)."""
    tz = current_event().tz
    groups = now_next_by_key(
        sessions, [r.id for r in venue.rooms], lambda s: s.room_id, now, tz, ROOM_BOARD_NEXT
    )
    return [
        {"room": room, "now": _views(groups[room.id].now, lang), "next": _views(groups[room.id].next, lang)}
        for room in venue.rooms
    ]


def _views(sessions, lang):
    event = current_event()
    return [session_view(s, lang, event) for s in sessions]


def scrubbed_moment(args, days) -> str | None:
    """Return ?at= for the time scrubber's ?day=&time= (the form works without script), or None."""
    day, time = args.get("day"), args.get("time")
    if not day or not time:
        return None
    if day not in {d.isoformat() for d in days}:
        abort(400, description=f"day must be one of the event's days (got '{day[:20]}')")
    return f"{day}T{time}"


def default_day(event, clock):
    """Return the day a day-by-day page opens on: today during the event, else its first day."""
    return clock.now.date() if clock.now.date() in event.event.days else event.event.days[0]


@bp.get("/")
@cached_page
def index():
    """Show the map of the venues and what is on now and next at each."""
    event = current_event()
    at = scrubbed_moment(request.args, event.event.days)
    if at is not None:
        return redirect(url_for("pages.index", at=at))
    lang, clock = page_lang(), page_clock()
    venues = list_venues()
    today = list_sessions(event.tz, day=clock.now.date())
    groups = now_next_by_key(
        today, [v.id for v in venues] + [None], lambda s: s.venue_id, clock.now, event.tz
    )
    state = {
        key or "online": {"now": _views(nn.now, lang), "next": _views(nn.next, lang)}
        for key, nn in groups.items()
    }
    # The page script recomputes now/next from these when a change arrives (or the clock moves).
    live = {
        "sessions": _views(today, lang),
        "locate": locate_data(venues, lang),
    }
    # One venue with many rooms: the page leads with each room's now and next; the map is a locator.
    board = room_board(venues[0], today, clock.now, lang) if len(venues) == 1 else None
    return render_template(
        "index.html", map=venue_map(lang), venues=venues, state=state, live=live, clock=clock, board=board
    )


@bp.get("/schedule")
@cached_page
def schedule():
    """Show one day of the program in hour blocks, filtered by venue, room and track."""
    event, lang, clock = current_event(), page_lang(), page_clock()
    try:
        filters = parse_filters(request.args, event)
    except ValueError as exc:
        abort(400, description=str(exc))
    q = search_query()
    if "day" not in filters and not q:  # a search looks through every day unless one is picked
        filters["day"] = default_day(event, clock)
    room_venue = event.rooms_by_id.get(filters.get("room_id"), (None,))[0]
    if filters.get("venue_id") and room_venue and room_venue != filters["venue_id"]:
        del filters["room_id"]  # a room of another venue: the venue was chosen last (the form has no script)
    if q:
        page = search_page(request.args)
        count, keys = ranked(filters, q, (page - 1) * SEARCH_ROWS, SEARCH_ROWS)
        if not keys and count:  # a page past the last (a filter or the day changed since): the last
            page = -(-count // SEARCH_ROWS)
            count, keys = ranked(filters, q, (page - 1) * SEARCH_ROWS, SEARCH_ROWS)
        found = result_rows(keys, lang)
        views = [view for view, _ in found]
        rows = rows_state(
            event,
            lang,
            filters.get("day"),
            views,
            [track_id for _, track_id in found],
            "",
            venue_id=filters.get("venue_id"),
            room_id=filters.get("room_id"),
            track_id=filters.get("track_id"),
            q=q,
            matches=count,
        )
        shown = {
            "page": page,
            "first": (page - 1) * SEARCH_ROWS + 1,
            "last": (page - 1) * SEARCH_ROWS + len(views),
        }
        return render_template(
            "schedule.html", sessions=views, blocks=[], now_index=None, filters=filters,
            clock=clock, q=q, matches=count, rows=rows, shown=shown,
        )  # fmt: skip
    found = list_sessions(event.tz, **filters)
    views = _views(found, lang)
    blocks, now_index = hour_blocks(found, views, filters["day"], clock.now, event.tz)
    return render_template(
        "schedule.html",
        sessions=views,
        blocks=blocks,
        now_index=now_index,
        filters=filters,
        clock=clock,
        rows=day_rows(_("No session matches these filters."), **filters),
    )


def search_page(args) -> int:
    """Return a search's ?page= (1, the best matches, unless a whole number above 1 is given)."""
    page = args.get("page", "")
    return int(page) if page.isdigit() and 1 < int(page) <= MAX_SEARCH_PAGE else 1


def day_rows(empty_text: str, day, venue_id=None, room_id=None, track_id=None, board=False) -> dict:
    """Return the page data rows.js draws a day's rows from: every session of the day, and the filters.

    With board (a venue page's rooms, each with what is on now and next), today's sessions too.
    """
    event, lang, today = current_event(), page_lang(), page_clock().now.date()
    # Every venue's: a session moved here live is drawn from these, as a fresh load would draw it.
    on_day = list_sessions(event.tz, day=day)
    if board and today != day:
        on_day += list_sessions(event.tz, day=today)
    return rows_state(
        event, lang, day, _views(on_day, lang), [s.track_id for s in on_day], empty_text,
        venue_id=venue_id, room_id=room_id, track_id=track_id,
    )  # fmt: skip


@bp.get("/sessions/<session_id>")
@cached_page
def session(session_id: str):
    """Show one session: when, where on a small map, who, how to watch."""
    found = get_session(session_id) or abort(404, description="There is no such session.")
    lang, clock, tz = page_lang(), page_clock(), current_event().tz
    small_map = venue_map(lang, focus=found.venue_id) if found.venue_id else None
    return render_template(
        "session.html",
        s=found,
        view=session_view(found, lang, current_event()),
        text=session_text(found.details, lang),
        map=small_map,
        clock=clock,
        directions=directions_html(found.venue, lang) if found.venue else None,
        page_state=session_page_data(found, list_venues(), lang),
        **alternatives.page_context(
            found.room,
            alternatives.alternatives(found, clock.now, tz),
            lang,
            tz,
            now=clock.now,
            session=found,
        ),
    )


@bp.get("/venues/<venue_id>")
@cached_page
def venue(venue_id: str):
    """Show a venue, what is on now and next in each room, and one day of its program in hour blocks."""
    found = get_venue(venue_id) or abort(404, description="There is no such venue.")
    event, lang, clock = current_event(), page_lang(), page_clock()
    try:
        day = parse_filters(request.args, event).get("day") or default_day(event, clock)
    except ValueError as exc:
        abort(400, description=str(exc))
    rooms = room_board(found, list_sessions(event.tz, venue_id=venue_id), clock.now, lang)
    # Like /schedule: one day, past hours folded, so a 1,000-session venue stays a phone-sized page.
    on_day = list_sessions(event.tz, venue_id=venue_id, day=day)
    blocks, now_index = hour_blocks(on_day, _views(on_day, lang), day, clock.now, event.tz)
    return render_template(
        "venue.html",
        venue=found,
        rooms=rooms,
        blocks=blocks,
        now_index=now_index,
        filters={"day": day},
        map=venue_map(lang, focus=venue_id),
        clock=clock,
        directions=directions_html(found, lang),
        travel=travel_rows(found, list_venues(), lang),
        travel_method=method_text(),
        rows=day_rows(_("No sessions on this day."), day=day, venue_id=venue_id, board=True),
    )
