"""What every route needs from the request's context: the event, the page language, its clock."""

from datetime import UTC, datetime

from flask import abort, current_app, request
from flask_babel import get_locale

from webapp.extensions import current_event
from webapp.web.clock import EventClock, parse_moment, resolve_clock


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
