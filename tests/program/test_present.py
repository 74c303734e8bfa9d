"""A page's view of a session is its API shape (to_dict), in the page's language and the event's zone."""

from webapp.program.present import SESSION_VIEW_KEYS, session_view
from webapp.program.queries import get_session


def test_session_view_is_built_from_the_api_shape(app):
    event = app.extensions["event"]
    with app.test_request_context("/?lang=en"):
        s = get_session("medical-data-platform")
        shape, view = s.to_dict(event.tz), session_view(s, "en", event)
        assert {key: view[key] for key in SESSION_VIEW_KEYS} == {key: shape[key] for key in SESSION_VIEW_KEYS}
        assert view["title"] == shape["title"]["en"] and view["time"] == "10:00–11:30"
        assert view["room_id"] == shape["room"] and view["venue_id"] == shape["venue"]
        assert view["url"] == "/sessions/medical-data-platform"
        assert session_view(s, "ko", event)["title"] == shape["title"]["ko"]
