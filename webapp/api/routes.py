"""The JSON API's program and change-log routes: parse (spectree, from the models), call one service, serialise.

The program's GETs come from the page cache (web/pagecache.py) until the data changes. The cache sits
outside spectree's validate, so a hit skips parsing and checking; only answers that passed both (200s)
are kept. /api/changes is not cached: it answers staff and attendees differently.
"""

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from spectree import Response

from webapp.api import schemas
from webapp.api.filters import api_filters
from webapp.api.spec import BAD, NOT_FOUND, STAFF, api
from webapp.extensions import csrf
from webapp.live.changes import ChangeError, apply_change, public_change
from webapp.live.log import active_announcements, changes_since, head_seq
from webapp.live.schemas import NewChange
from webapp.program.queries import get_session, list_sessions, list_venues
from webapp.program.search import find_speakers
from webapp.program.speakers import get_speaker, ranked, speaker_dict, speaker_index, speaker_sessions
from webapp.program.viewcache import api_sessions
from webapp.staff.auth import bearer_staff
from webapp.web.context import current_event
from webapp.web.errors import ApiError
from webapp.web.jsonbody import check_json_body
from webapp.web.pagecache import cached_page

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/venues")
@cached_page(minute=False)
@api.validate(
    resp=Response(HTTP_200=(schemas.Venues, "The venues.")), tags=["program"], operation_id="listVenues"
)
def venues():
    """The venues as a GeoJSON FeatureCollection, rooms and their status included."""
    features = [v.to_feature() for v in list_venues()]
    response = jsonify(type="FeatureCollection", features=features)
    response.mimetype = "application/geo+json"
    return response


@bp.get("/sessions")
@cached_page(minute=False)
@api.validate(
    query=schemas.SessionFilters,
    resp=Response(HTTP_200=(schemas.SessionList, "The matching sessions."), HTTP_400=BAD),
    tags=["program"],
    operation_id="listSessions",
)
def sessions():
    """The sessions in start order, filtered by day, venue, room and track, a page at a time.

    With ?q= only the sessions that match it, best first (the search /schedule uses), 100 at a time.
    """
    event, page = current_event(), request.context.query
    filters = api_filters(page.model_dump(include={"day", "venue", "room", "track"}))
    if page.searching:
        count, keys = ranked(filters, page.q, page.offset, page.page_size)
        return jsonify(count=count, offset=page.offset, sessions=api_sessions(keys))
    found = list_sessions(event.tz, **filters)
    shown = found[page.offset : page.offset + page.page_size]
    return jsonify(count=len(found), offset=page.offset, sessions=[s.to_dict(event.tz) for s in shown])


@bp.get("/sessions/<session_id>")
@cached_page(minute=False)
@api.validate(
    resp=Response(HTTP_200=(schemas.Session, "The session."), HTTP_404=NOT_FOUND),
    tags=["program"],
    operation_id="getSession",
    path_parameter_descriptions={"session_id": "A session id; see /api/sessions."},
)
def session(session_id: str):
    """One session, in both languages."""
    found = get_session(session_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no session '{session_id[:80]}'.")
    return jsonify(found.to_dict(current_event().tz))


@bp.get("/speakers")
@cached_page(minute=False)
@api.validate(
    query=schemas.SpeakerQuery,
    resp=Response(HTTP_200=(schemas.SpeakerList, "The speakers, by name."), HTTP_400=BAD),
    tags=["program"],
    operation_id="listSpeakers",
)
def speakers():
    """The people the program names as speakers, by name, with their sessions' ids; ?q= searches names."""
    found = find_speakers(speaker_index(), request.context.query.q, "en")
    return jsonify(count=len(found), speakers=[speaker_dict(sp) for sp in found])


@bp.get("/speakers/<speaker_id>")
@cached_page(minute=False)
@api.validate(
    resp=Response(HTTP_200=(schemas.SpeakerDetail, "The speaker and their sessions."), HTTP_404=NOT_FOUND),
    tags=["program"],
    operation_id="getSpeaker",
    path_parameter_descriptions={"speaker_id": "A speaker id; see /api/speakers."},
)
def speaker(speaker_id: str):
    """One speaker, with their sessions as currently scheduled."""
    found = get_speaker(speaker_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no speaker '{speaker_id[:80]}'.")
    tz = current_event().tz
    return jsonify({**speaker_dict(found), "sessions": [s.to_dict(tz) for s in speaker_sessions(found)]})


def _is_staff() -> bool:
    return current_user.is_authenticated or bearer_staff() is not None


@bp.get("/changes")
@api.validate(
    query=schemas.ChangesQuery,
    resp=Response("HTTP_304", HTTP_200=(schemas.ChangeLog, "The changes, in seq order."), HTTP_400=BAD),
    tags=["changes"],
    operation_id="listChanges",
)
def changes():
    """The changes after ?since=N and the active announcements (polling fallback).

    For pages that cannot hold a socket. Send the ETag back as If-None-Match: 304 until something
    changes. At most `limit` (1,000) changes per answer; `more` says ask again. `by` is sent to staff only.
    """
    since, limit, head = request.context.query.since, request.context.query.limit, head_seq()
    if since > head:
        raise ApiError(
            400, "bad_parameter", f"since={since} is after the last change, {head}: start again from 0."
        )
    found = changes_since(since, limit)
    staff = _is_staff()
    response = jsonify(
        seq=head,
        more=bool(found) and found[-1].seq < head,
        changes=[c.to_dict() if staff else public_change(c) for c in found],
        announcements=[a.to_dict() for a in active_announcements()],
    )
    response.set_etag(f"{head}-{since}-{limit}-{int(staff)}")
    response.cache_control.no_cache = True
    response.vary.add("Authorization")
    response.vary.add("Cookie")
    return response.make_conditional(request)


def staff_json(view):
    """Let only staff in (bearer token, or cookie with CSRF token), then make sure the body is JSON."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        staff = bearer_staff()
        if staff is None:
            if request.headers.get("Authorization"):
                raise ApiError(401, "unauthorized", "That bearer token is not valid or was revoked.")
            if not current_user.is_authenticated:
                raise ApiError(
                    401, "unauthorized", "Sign in as staff, or send Authorization: Bearer <token>."
                )
            csrf.protect()
            staff = current_user
        check_json_body()
        g.staff = staff
        return view(*args, **kwargs)

    return wrapper


@bp.post("/changes")
@csrf.exempt  # a bearer token needs no CSRF token; a cookie session is checked in staff_json
@staff_json
@api.validate(
    json=NewChange,
    resp=Response(
        HTTP_201=(schemas.Change, "Applied and published."),
        HTTP_400=(schemas.Error, "Invalid, would change nothing, or the CSRF token is missing."),
        HTTP_401=(schemas.Error, "No valid bearer token and no signed-in staff session."),
        HTTP_404=(schemas.Error, "The session, room, venue, announcement or change does not exist."),
        HTTP_409=(
            schemas.Conflict,
            "Someone changed it first (here is its current state), or it would clash: the session would "
            "overlap others in its room (listed; send allow_clash true to make it anyway).",
        ),
    ),
    tags=["changes"],
    operation_id="postChange",
    security=STAFF,
)
def post_change():
    """Apply one staff change: it is logged, committed, then pushed to every open page.

    Staff only: a bearer token (`flask --app webapp staff token NAME`), or the signed-in session
    cookie with its CSRF token in X-CSRFToken. Times must fall within the event's days (a week either side).
    A move, retime, restore, add or undo that makes a session overlap another in its room is answered
    409 with error "clash" and the sessions it would overlap, unless the body says "allow_clash": true.
    """
    try:
        change = apply_change(request.context.json, by=g.staff.name)
    except ChangeError as exc:
        body = {"error": exc.error, "message": exc.message}
        if exc.current is not None:
            body["current"] = exc.current
        if exc.clashes is not None:
            body["clashes"] = exc.clashes
        return jsonify(body), exc.status
    return jsonify(change.to_dict()), 201
