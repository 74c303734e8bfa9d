"""The JSON API under /api/."""

from flask import Blueprint, current_app, jsonify, request

from webapp.errors import ApiError
from webapp.program import get_session, list_sessions, list_venues, parse_filters

bp = Blueprint("api", __name__, url_prefix="/api")


def _event():
    return current_app.extensions["event"]


@bp.get("/venues")
def venues():
    """Return the venues as a GeoJSON FeatureCollection, rooms and their status included."""
    features = [v.to_feature() for v in list_venues()]
    response = jsonify(type="FeatureCollection", features=features)
    response.mimetype = "application/geo+json"
    return response


@bp.get("/sessions")
def sessions():
    """Return the sessions, filtered by day, venue, room and track."""
    event = _event()
    try:
        filters = parse_filters(request.args, event)
    except ValueError as exc:
        raise ApiError(400, "bad_filter", str(exc)) from None
    found = list_sessions(event.tz, **filters)
    return jsonify(count=len(found), sessions=[s.to_dict(event.tz) for s in found])


@bp.get("/sessions/<session_id>")
def session(session_id: str):
    """Return one session."""
    found = get_session(session_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no session '{session_id}'.")
    return jsonify(found.to_dict(_event().tz))
