"""What every route needs from the request's context: the event, the page language, API filters."""

from flask import current_app
from flask_babel import get_locale

from webapp.program.eventdata import EventData
from webapp.program.queries import parse_filters
from webapp.web.errors import ApiError


def current_event() -> EventData:
    """Return the event this app serves."""
    return current_app.extensions["event"]


def page_lang() -> str:
    """Return the language this request is shown in: 'ko' or 'en'."""
    return get_locale().language


def api_filters(args) -> dict:
    """Return the day/venue/room/track filters of an API request; a bad one is a 400 for the client."""
    try:
        return parse_filters(args, current_event())
    except ValueError as exc:
        raise ApiError(400, "bad_filter", str(exc)) from None
