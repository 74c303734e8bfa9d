"""What every route needs from the request's context: the event, the page language, its clock, API filters."""

from datetime import UTC, datetime

from flask import abort, current_app, request
from flask_babel import get_locale

from webapp.program.eventdata import EventData
from webapp.program.queries import parse_filters
from webapp.web.clock import EventClock, parse_moment, resolve_clock
from webapp.web.errors import ApiError


def current_event() -> EventData:
    """Return the event this app serves."""
    return current_app.extensions["event"]


def page_lang() -> str:
    """Return the language this request is shown in: 'ko' or 'en'."""
    return get_locale().language


def page_clock() -> EventClock:
    """Return 'now' for this page: ?at=, else EVENT_NOW, else the wall clock."""
    event = current_event()
    requested = None
    if request.args.get("at"):
        try:
            requested = parse_moment(request.args["at"], event.tz)
        except ValueError as exc:
            abort(400, description=str(exc))
    return resolve_clock(
        event.event.days,
        event.tz,
        event.first_start,
        real_now=datetime.now(UTC),
        configured=current_app.extensions["event_now"],
        requested=requested,
    )


def api_filters(args) -> dict:
    """Return the day/venue/room/track filters of an API request; a bad one is a 400 for the client."""
    try:
        return parse_filters(args, current_event())
    except ValueError as exc:
        raise ApiError(400, "bad_filter", str(exc)) from None
