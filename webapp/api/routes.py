"""The JSON API under /api/."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from webapp.extensions import csrf
from webapp.live.changes import ChangeError, active_announcements, apply_change, changes_since, head_seq
from webapp.program.queries import get_session, list_sessions, list_venues
from webapp.staff.auth import bearer_staff
from webapp.web.context import api_filters, current_event
from webapp.web.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_SEQ = 2**31 - 1  # the change log's seq is a 32-bit integer column


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
    event = current_event()
    filters = api_filters(request.args)
    found = list_sessions(event.tz, **filters)
    return jsonify(count=len(found), sessions=[s.to_dict(event.tz) for s in found])


@bp.get("/sessions/<session_id>")
def session(session_id: str):
    """Return one session."""
    found = get_session(session_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no session '{session_id}'.")
    return jsonify(found.to_dict(current_event().tz))


@bp.get("/changes")
def changes():
    """Return the changes after ?since=N (polling fallback for pages that cannot hold a socket)."""
    since = request.args.get("since", "0")
    if not (since.isascii() and since.isdigit()) or int(since) > MAX_SEQ:
        raise ApiError(
            400, "bad_filter", f"since must be a whole number from 0 to {MAX_SEQ}, the last seq you have."
        )
    head = head_seq()
    found = changes_since(int(since), 1000)
    response = jsonify(
        seq=head,
        more=bool(found) and found[-1].seq < head,
        changes=[c.to_dict() for c in found],
        announcements=[a.to_dict() for a in active_announcements()],
    )
    response.set_etag(f"{head}-{since}")
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.post("/changes")
@csrf.exempt  # a bearer token needs no CSRF token; a cookie session is checked below
def post_change():
    """Apply one staff change: move, retime, cancel, restore, room_status, stream_status, announce, retract, undo."""
    staff = bearer_staff()
    if staff is None:
        if request.headers.get("Authorization"):
            raise ApiError(401, "unauthorized", "That bearer token is not valid or was revoked.")
        if not current_user.is_authenticated:
            raise ApiError(401, "unauthorized", "Sign in as staff, or send Authorization: Bearer <token>.")
        csrf.protect()
        staff = current_user
    data = request.get_json(silent=True)
    try:
        change = apply_change(data, by=staff.name)
    except ChangeError as exc:
        body = {"error": exc.error, "message": exc.message}
        if exc.current is not None:
            body["current"] = exc.current
        return jsonify(body), exc.status
    return jsonify(change.to_dict()), 201
