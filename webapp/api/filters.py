"""The day/venue/room/track filters that the API's session lists share."""

from webapp.program.queries import parse_filters
from webapp.web.context import current_event
from webapp.web.errors import ApiError


def api_filters(args) -> dict:
    """Return the day/venue/room/track filters of an API request; a bad one is a 400 for the client."""
    try:
        return parse_filters(args, current_event())
    except ValueError as exc:
        raise ApiError(400, "bad_filter", str(exc)) from None
