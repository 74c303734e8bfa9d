"""The OpenAPI description of the JSON API, and a page that shows it to people."""

import hashlib
import json
import re
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from markupsafe import Markup, escape

bp = Blueprint("api_docs", __name__)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
IDS_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:,[a-z0-9]+(?:-[a-z0-9]+)*)*$"
# ?at=: a moment of this century, with or without an offset (then read in the event's zone).
AT_PATTERN = (
    r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?(Z|[+-][01][0-9]:[0-5][0-9])?$"
)
SLUG = {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80}
TIME = {"type": "string", "format": "date-time"}
KINDS = ("move", "retime", "cancel", "restore", "room_status", "stream_status", "announce", "retract", "undo")
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _or_null(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(required: list[str], **properties: Any) -> dict:
    return {"type": "object", "required": required, "properties": properties}


def _content(schema: dict, media_type: str = JSON) -> dict:
    return {media_type: {"schema": schema}}


def _answer(description: str, schema: dict | None = None, media_type: str = JSON, **extra: Any) -> dict:
    response = {"description": description, **extra}
    if schema is not None:
        response["content"] = _content(schema, media_type)
    return response


def _param(name: str, where: str, schema: dict, description: str, example: Any, required: bool = False):
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema,
        "example": example,
    }


def _schemas() -> dict[str, dict]:
    text = {"type": "string", "minLength": 1, "maxLength": 500}
    point = _obj(
        ["type", "coordinates"],
        type={"const": "Point"},
        coordinates={"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    )
    session_kind = {"session": SLUG, "expected_version": {"type": "integer", "minimum": 1}}
    return {
        "Localized": {**_obj(["ko", "en"], ko=text, en=text), "description": "A text in Korean and English."},
        "Error": {
            **_obj(["error", "message"], error={"type": "string"}, message={"type": "string"}),
            "description": "Every refusal: a short machine-readable code and a sentence for people.",
        },
        "Conflict": {
            "description": "A stale edit (409): the error, and the session's current state when known.",
            "allOf": [
                _ref("Error"),
                {"properties": {"error": {"const": "conflict"}, "current": _ref("Session")}},
            ],
        },
        "Point": point,
        "FeatureCollection": {
            **_obj(["type", "features"], type={"const": "FeatureCollection"}, features={"type": "array"}),
            "description": "An RFC 7946 FeatureCollection.",
        },
        "Room": _obj(
            ["id", "venue", "name", "floor", "capacity", "provenance", "status"],
            id=SLUG,
            venue=SLUG,
            name=_ref("Localized"),
            floor={"type": "string"},
            capacity=_or_null({"type": "integer", "minimum": 1}),
            provenance={"enum": ["sourced", "reconstructed"]},
            status={"enum": ["open", "full"], "description": "Set live by staff (room_status)."},
        ),
        "Station": _obj(
            ["name", "distance_m", "coordinates"],
            name=_ref("Localized"),
            lines={"type": "array", "items": _ref("Localized")},
            distance_m={"type": "number", "minimum": 0},
            coordinates=point["properties"]["coordinates"],
        ),
        "Venue": {
            **_obj(
                ["type", "id", "geometry", "properties"],
                type={"const": "Feature"},
                id=SLUG,
                geometry=_ref("Point"),
                properties=_obj(
                    ["id", "name", "short_name", "address", "position", "accuracy_m", "rooms"],
                    id=SLUG,
                    name=_ref("Localized"),
                    short_name=_ref("Localized"),
                    address=_ref("Localized"),
                    postcode=_or_null({"type": "string"}),
                    position={"enum": ["exact", "approximate"]},
                    accuracy_m={"type": "number", "exclusiveMinimum": 0},
                    position_note=_or_null(_ref("Localized")),
                    station=_or_null(_ref("Station")),
                    transit_hints={"type": "object", "additionalProperties": _ref("Localized")},
                    rooms={"type": "array", "items": _ref("Room")},
                    sources={"type": "array", "items": {"type": "string"}},
                ),
            ),
            "description": "A venue as a GeoJSON Feature, its rooms and their current status included.",
        },
        "Speaker": _obj(["name"], name=_ref("Localized"), affiliation=_or_null(_ref("Localized"))),
        "Session": _obj(
            ["id", "title", "track", "start", "end", "venue", "room", "mode", "status", "version"],
            id=SLUG,
            title=_ref("Localized"),
            description=_or_null(_ref("Localized")),
            track=SLUG,
            speakers={"type": "array", "items": _ref("Speaker")},
            start=TIME,
            end=TIME,
            venue=_or_null(SLUG),
            room=_or_null(SLUG),
            mode={"enum": ["in_person", "online", "hybrid"]},
            stream_url=_or_null({"type": "string"}),
            stream_status={"enum": ["scheduled", "live", "ended"]},
            language={"enum": ["ko", "en", "ko-en"]},
            status={"enum": ["scheduled", "cancelled"]},
            status_reason=_or_null({"type": "string"}),
            provenance={"enum": ["sourced", "reconstructed"]},
            note=_or_null(_ref("Localized")),
            version={
                "type": "integer",
                "minimum": 1,
                "description": "Bumped by every staff change; send it back as expected_version.",
            },
        ),
        "Change": {
            **_obj(
                ["seq", "kind", "subject", "before", "after", "at", "by"],
                seq={"type": "integer", "minimum": 1, "description": "Global, gap-free, increasing."},
                kind={"enum": list(KINDS)},
                session=_or_null(SLUG),
                venue=_or_null(SLUG),
                room=_or_null(SLUG),
                announcement=_or_null({"type": "integer"}),
                undoes=_or_null({"type": "integer"}),
                subject={"type": "object", "description": "The session's title, room's name or text, ko/en."},
                before=_or_null({"type": "object"}),
                after=_or_null({"type": "object"}),
                at=TIME,
                by={"type": "string", "description": "The staff member who made it."},
            ),
            "description": "One entry of the append-only change log.",
        },
        "Announcement": _obj(
            ["id", "text", "venue", "expires_at", "retracted"],
            id={"type": "integer"},
            text=_ref("Localized"),
            venue=_or_null(SLUG),
            expires_at=TIME,
            retracted={"type": "boolean"},
        ),
        "SessionFeature": {
            **_obj(
                ["type", "id", "geometry", "properties"],
                type={"const": "Feature"},
                id=SLUG,
                geometry=_or_null(_ref("Point")),
                properties=_ref("Session"),
            ),
            "description": "A session as a GeoJSON Feature at its venue; geometry null when online-only.",
        },
        "SessionList": _obj(
            ["count", "sessions"],
            count={"type": "integer", "minimum": 0},
            sessions={"type": "array", "items": _ref("Session")},
        ),
        "ChangeLog": _obj(
            ["seq", "more", "changes", "announcements"],
            seq={"type": "integer", "minimum": 0, "description": "The last seq; poll again with since=seq."},
            more={"type": "boolean", "description": "More than 1,000 changes followed: ask again."},
            changes={"type": "array", "items": _ref("Change"), "maxItems": 1000},
            announcements={"type": "array", "items": _ref("Announcement")},
        ),
        **_travel_schemas(),
        **_change_bodies(session_kind),
    }


def _travel_schemas() -> dict[str, dict]:
    walk = {
        "distance_m": {"type": "integer", "minimum": 0},
        "walking_minutes": {"type": "integer", "minimum": 0},
    }
    return {
        "WalkingMethod": {
            **_obj(
                ["basis", "detour_factor", "speed_kmh"],
                basis={"const": "straight_line"},
                detour_factor={"type": "number"},
                speed_kmh={"type": "number"},
            ),
            "description": "How walking times are estimated: straight line x detour factor at this speed.",
        },
        "Travel": _obj(
            ["from", "to", "distance_m", "walking_minutes", "method", "transit_hint", "approximate"],
            **{"from": SLUG, "to": SLUG},
            **walk,
            method=_ref("WalkingMethod"),
            transit_hint=_or_null(_ref("Localized")),
            approximate={"type": "boolean", "description": "A venue's position is approximate."},
        ),
        "Transfer": _obj(
            ["from_session", "from_venue", "to_venue", "gap_minutes", "leave_by", "problem"],
            from_session=SLUG,
            from_venue=SLUG,
            to_venue=SLUG,
            from_end=TIME,
            gap_minutes={"type": "integer"},
            **walk,
            transit_hint=_or_null(_ref("Localized")),
            approximate={"type": "boolean"},
            leave_by=TIME,
            problem={"enum": ["overlap", "late", None]},
        ),
        "Agenda": _obj(
            ["method", "now", "days", "warnings", "next", "sessions", "unknown"],
            method=_ref("WalkingMethod"),
            now=TIME,
            days={
                "type": "array",
                "items": _obj(
                    ["day", "items"],
                    day={"type": "string", "format": "date"},
                    items={
                        "type": "array",
                        "items": _obj(
                            ["session", "transfer"], session=SLUG, transfer=_or_null(_ref("Transfer"))
                        ),
                    },
                ),
            },
            warnings={
                "type": "integer",
                "minimum": 0,
                "description": "Transfers that overlap or are too short.",
            },
            next=_or_null(
                _obj(
                    ["session", "start", "origin"],
                    session=SLUG,
                    start=TIME,
                    origin={"enum": ["online", "position", "venue", None]},
                    from_venue=SLUG,
                    **walk,
                    leave_by=TIME,
                    late={"type": "boolean"},
                )
            ),
            sessions={"type": "object", "additionalProperties": _ref("Session")},
            unknown={"type": "array", "items": {"type": "string"}},
        ),
    }


def _kind(kind: str, required: list[str], description: str, **properties: Any) -> dict:
    return {
        **_obj(["kind", *required], kind={"const": kind}, **properties),
        "description": description,
    }


def _change_bodies(session_kind: dict) -> dict[str, dict]:
    short = {"type": "string", "maxLength": 280}
    bodies = {
        "MoveChange": _kind(
            "move",
            ["session", "room"],
            "Move a session to another room (and its venue).",
            **session_kind,
            room=SLUG,
            venue={**SLUG, "description": "Optional; must be the room's venue."},
        ),
        "RetimeChange": {
            **_kind(
                "retime",
                ["session"],
                "Delay a session, or give it a new start and end.",
                **session_kind,
                delay_minutes={"type": "integer", "minimum": -240, "maximum": 1440, "not": {"const": 0}},
                start=TIME,
                end=TIME,
            ),
            "oneOf": [
                {"required": ["delay_minutes"]},
                {"required": ["start", "end"], "not": {"required": ["delay_minutes"]}},
            ],
        },
        "CancelChange": _kind(
            "cancel", ["session"], "Cancel a session.", **session_kind, reason=_or_null(short)
        ),
        "RestoreChange": _kind("restore", ["session"], "Restore a cancelled session.", **session_kind),
        "RoomStatusChange": _kind(
            "room_status",
            ["room", "status"],
            "Mark a room full or open.",
            room=SLUG,
            status={"enum": ["open", "full"]},
        ),
        "StreamStatusChange": _kind(
            "stream_status",
            ["session", "status"],
            "Mark a stream live or off air, optionally with a new link.",
            **session_kind,
            status={"enum": ["scheduled", "live", "ended"]},
            stream_url={"type": "string", "pattern": "^https://", "maxLength": 500},
        ),
        "AnnounceChange": {
            **_kind(
                "announce",
                ["text"],
                "Post an announcement to everyone (venue null) or one venue, with an expiry.",
                text={"type": "object", "minProperties": 1, "properties": {"ko": short, "en": short}},
                venue=_or_null(SLUG),
                expires_in_minutes={"type": "integer", "minimum": 1, "maximum": 10080},
                expires_at=TIME,
            ),
            "oneOf": [
                {"required": ["expires_in_minutes"]},
                {"required": ["expires_at"], "not": {"required": ["expires_in_minutes"]}},
            ],
        },
        "RetractChange": _kind(
            "retract", ["announcement"], "Retract an announcement.", announcement={"type": "integer"}
        ),
        "UndoChange": _kind(
            "undo",
            ["seq"],
            "Undo a change (the undo is itself a change).",
            seq={"type": "integer", "minimum": 1},
            expected_version={"type": "integer", "minimum": 1},
        ),
    }
    names = {body["properties"]["kind"]["const"]: name for name, body in bodies.items()}
    bodies["NewChange"] = {
        "description": "One staff change; `kind` says which.",
        "oneOf": [_ref(name) for name in names.values()],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {kind: f"#/components/schemas/{name}" for kind, name in names.items()},
        },
    }
    return bodies


def _examples(event) -> dict[str, Any]:
    """Return real ids from the loaded event, so every example request works as written."""
    venues = [f.properties for f in event.venues]
    return {
        "day": event.event.days[0].isoformat(),
        "venue": venues[0].id,
        "other_venue": venues[-1].id,
        "room": venues[0].rooms[0].id,
        "track": event.program.tracks[0].id,
        "session": event.program.sessions[0].id,
        "sessions": ",".join(s.id for s in event.program.sessions[:2]),
    }


def _filters(ex: dict) -> list[dict]:
    slug = "See /api/venues and /api/sessions for the ids."
    return [
        _param(
            "day", "query", {"type": "string", "format": "date"}, "A day of the event, YYYY-MM-DD.", ex["day"]
        ),
        _param("venue", "query", SLUG, f"Only this venue's sessions. {slug}", ex["venue"]),
        _param("room", "query", SLUG, "Only this room's sessions.", ex["room"]),
        _param("track", "query", SLUG, "Only this track's sessions.", ex["track"]),
    ]


BAD = _answer("A parameter is malformed or names nothing known.", _ref("Error"))
NOT_FOUND = _answer("No such item.", _ref("Error"))
ETAG = {"ETag": {"description": "Send it back as If-None-Match.", "schema": {"type": "string"}}}
NOT_MODIFIED = _answer("Unchanged since the ETag sent in If-None-Match.")


def _paths(ex: dict) -> dict[str, dict]:
    filters = _filters(ex)
    return {
        "/api/venues": {
            "get": {
                "operationId": "listVenues",
                "tags": ["program"],
                "summary": "The venues as a GeoJSON FeatureCollection, rooms and their status included.",
                "responses": {
                    "200": _answer(
                        "The venues.",
                        {
                            "allOf": [
                                _ref("FeatureCollection"),
                                {"properties": {"features": {"items": _ref("Venue")}}},
                            ]
                        },
                        GEOJSON,
                    )
                },
            }
        },
        "/api/sessions": {
            "get": {
                "operationId": "listSessions",
                "tags": ["program"],
                "summary": "The sessions in start order, filtered by day, venue, room and track.",
                "parameters": filters,
                "responses": {"200": _answer("The matching sessions.", _ref("SessionList")), "400": BAD},
            }
        },
        "/api/sessions.geojson": {
            "get": {
                "operationId": "listSessionsGeoJSON",
                "tags": ["program"],
                "summary": "The sessions as GeoJSON Point features at their venue, for QGIS and other maps.",
                "description": "Filtered like /api/sessions; revalidate with If-None-Match.",
                "parameters": filters,
                "responses": {
                    "200": _answer(
                        "The matching sessions; each feature's properties are a Session.",
                        {
                            "allOf": [
                                _ref("FeatureCollection"),
                                {"properties": {"features": {"items": _ref("SessionFeature")}}},
                            ]
                        },
                        GEOJSON,
                        headers={
                            **ETAG,
                            "Last-Modified": {
                                "description": "The last staff change.",
                                "schema": {"type": "string"},
                            },
                        },
                    ),
                    "304": NOT_MODIFIED,
                    "400": BAD,
                },
            }
        },
        "/api/sessions/{session_id}": {
            "get": {
                "operationId": "getSession",
                "tags": ["program"],
                "summary": "One session, with the version to send back as expected_version.",
                "parameters": [_param("session_id", "path", SLUG, "The session's id.", ex["session"])],
                "responses": {"200": _answer("The session.", _ref("Session")), "404": NOT_FOUND},
            }
        },
        "/api/travel": {
            "get": {
                "operationId": "getTravel",
                "tags": ["travel"],
                "summary": "How to get from one venue to another: distance, walking estimate, transit hint.",
                "parameters": [
                    _param("from", "query", SLUG, "The venue to start from.", ex["venue"], required=True),
                    _param("to", "query", SLUG, "The venue to go to.", ex["other_venue"], required=True),
                ],
                "responses": {
                    "200": _answer("The trip.", _ref("Travel")),
                    "400": _answer("from or to is missing.", _ref("Error")),
                    "404": _answer("There is no such venue.", _ref("Error")),
                },
            }
        },
        "/api/agenda": {
            "get": {
                "operationId": "getAgenda",
                "tags": ["travel"],
                "summary": "Plan starred sessions: in order by day, the walk between venues, when to leave.",
                "parameters": [
                    _param(
                        "ids",
                        "query",
                        {"type": "string", "pattern": IDS_PATTERN, "maxLength": 8100},
                        "Session ids, comma-separated (at most 100); unknown ones are listed in `unknown`.",
                        ex["sessions"],
                    ),
                    _param(
                        "lat",
                        "query",
                        {"type": "number", "minimum": -90, "maximum": 90},
                        "Where you are (with lon): `next` then says how long the walk is from here.",
                        37.3943,
                    ),
                    _param(
                        "lon",
                        "query",
                        {"type": "number", "minimum": -180, "maximum": 180},
                        "Where you are (with lat).",
                        127.1107,
                    ),
                    _param(
                        "at",
                        "query",
                        {"type": "string", "pattern": AT_PATTERN},
                        "Plan as if it were this moment, ISO 8601 (no offset: the event's time zone); "
                        "default: the event's clock.",
                        f"{ex['day']}T10:00:00+09:00",
                    ),
                ],
                "responses": {"200": _answer("The plan.", _ref("Agenda")), "400": BAD},
            }
        },
        "/api/changes": {
            "get": {
                "operationId": "listChanges",
                "tags": ["changes"],
                "summary": "The changes after ?since=N and the active announcements (polling fallback).",
                "description": "For pages that cannot hold a socket. Send the ETag back as If-None-Match: "
                "304 until something changes. At most 1,000 changes per answer; `more` says ask again.",
                "parameters": [
                    _param(
                        "since",
                        "query",
                        {"type": "integer", "minimum": 0, "maximum": 2**31 - 1, "default": 0},
                        "The last seq you have (0 for all).",
                        0,
                    )
                ],
                "responses": {
                    "200": _answer("The changes, in seq order.", _ref("ChangeLog"), headers=ETAG),
                    "304": NOT_MODIFIED,
                    "400": BAD,
                },
            },
            "post": {
                "operationId": "postChange",
                "tags": ["changes"],
                "summary": "Apply one staff change: it is logged, committed, then pushed to every open page.",
                "description": "Staff only: a bearer token (`flask --app webapp staff token NAME`), or the "
                "signed-in session cookie with its CSRF token in X-CSRFToken.",
                "security": [{"bearerAuth": []}, {"cookieSession": [], "csrfToken": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        JSON: {
                            "schema": _ref("NewChange"),
                            "example": {"kind": "move", "session": ex["session"], "room": ex["room"]},
                        }
                    },
                },
                "responses": {
                    "201": _answer("Applied and published.", _ref("Change")),
                    "400": _answer(
                        "Invalid, would change nothing, or the CSRF token is missing.", _ref("Error")
                    ),
                    "401": _answer("No valid bearer token and no signed-in staff session.", _ref("Error")),
                    "404": _answer(
                        "The session, room, venue, announcement or change does not exist.", _ref("Error")
                    ),
                    "409": _answer("Someone changed it first; here is its current state.", _ref("Conflict")),
                },
            },
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "tags": ["docs"],
                "summary": "This description of the API (OpenAPI 3.1).",
                "responses": {
                    "200": _answer("The spec.", {"type": "object"}, headers=ETAG),
                    "304": NOT_MODIFIED,
                },
            }
        },
        "/api/docs": {
            "get": {
                "operationId": "getDocs",
                "tags": ["docs"],
                "summary": "This description as a page to read.",
                "responses": {"200": _answer("The page.", {"type": "string"}, HTML)},
            }
        },
    }


SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff token: `flask --app webapp staff token NAME`.",
    },
    "cookieSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The session cookie of a staff member signed in at /login.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "Required with the cookie: the token in the staff console's csrf-token meta tag.",
    },
}


def openapi_path(rule: str) -> str:
    """Return a Flask rule as an OpenAPI path: <id> and <int:id> become {id}."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def build_spec(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of app's JSON API, with examples from its event."""
    event = app.extensions["event"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Venue Live API",
            "version": "1",
            "summary": f"The live program of {event.event.name.en}: venues, sessions, travel and changes.",
            "description": 'Reads need no account. Every error is `{"error", "message"}` with a 4xx. '
            "Live changes are also pushed over Socket.IO (see the README); GET /api/changes is the "
            'polling fallback. Texts come in Korean and English as `{"ko", "en"}`.',
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "program", "description": "Venues, rooms and sessions as currently scheduled."},
            {"name": "travel", "description": "Getting between venues, and a personal agenda."},
            {"name": "changes", "description": "The change log, and staff changes."},
            {"name": "docs", "description": "This description."},
        ],
        "paths": _paths(_examples(event)),
        "components": {"schemas": _schemas(), "securitySchemes": SECURITY_SCHEMES},
    }


def _published() -> tuple[dict[str, Any], bytes, str]:
    # Built once per app: the routes and the event are fixed once the app has started.
    cached = current_app.extensions.get("openapi")
    if cached is None:
        spec = build_spec(current_app._get_current_object())
        body = json.dumps(spec, ensure_ascii=False, indent=1).encode()
        cached = current_app.extensions["openapi"] = (spec, body, hashlib.sha256(body).hexdigest()[:32])
    return cached


@bp.get("/api/openapi.json")
def openapi_json():
    """Serve the OpenAPI description, cacheable and revalidated by its ETag."""
    _spec, body, etag = _published()
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.get("/api/docs")
def docs():
    """Show the OpenAPI description as a page: every path, method, parameter and response."""
    spec = _published()[0]
    return render_template(
        "api_docs.html",
        spec=spec,
        intro=prose(spec["info"]["description"]),
        schemes={
            name: {**scheme, "description": prose(scheme["description"])}
            for name, scheme in SECURITY_SCHEMES.items()
        },
        operations=operations(spec, request.host_url.rstrip("/")),
        schemas=schema_docs(spec),
        no_live=True,
    )


# --- the spec, as the docs page shows it --------------------------------------------------------


def prose(text: str | None) -> Markup | None:
    """Return a description as HTML: escaped, with its `code` spans as <code>."""
    if text is None:
        return None
    parts = text.split("`")
    code = Markup("<code>{}</code>")
    return Markup("").join(code.format(part) if i % 2 else escape(part) for i, part in enumerate(parts))


def type_label(schema: dict) -> str:
    """Return a schema in a few words: 'Session', 'array of Room', 'string or null'."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema and all("$ref" in s or "type" in s for s in schema[key]):
            return " or ".join(type_label(s) for s in schema[key])
    if "allOf" in schema:
        base, *rest = schema["allOf"]
        items = [r["properties"]["features"]["items"] for r in rest if "features" in r.get("properties", {})]
        return f"{type_label(base)} of {type_label(items[0])}" if items else type_label(base)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_label(schema['items'])}" if "items" in schema else "array"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_label(schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def constraints(schema: dict) -> str:
    """Return a schema's limits in words: pattern, range, length, default."""
    words = {
        "pattern": "pattern {}",
        "minimum": "at least {}",
        "maximum": "at most {}",
        "minLength": "at least {} characters",
        "maxLength": "at most {} characters",
        "default": "default {}",
    }
    return "; ".join(text.format(schema[key]) for key, text in words.items() if key in schema)


def _example_request(base: str, path: str, method: str, operation: dict) -> str:
    params = operation.get("parameters", [])
    url = path
    for p in params:
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", str(p["example"]))
    query = [p for p in params if p["in"] == "query" and p["required"]]
    optional = [p for p in params if p["in"] == "query" and not p["required"]]
    query += optional[:1] if not query else []
    if query:
        url += "?" + "&".join(f"{p['name']}={p['example']}" for p in query)
    if method == "get":
        return f"curl '{base}{url}'"
    body = json.dumps(operation["requestBody"]["content"][JSON]["example"], ensure_ascii=False)
    return (
        f"curl -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' \\\n"
        f"  -d '{body}' '{base}{url}'"
    )


def operations(spec: dict, base: str) -> list[dict[str, Any]]:
    """Return every operation of spec, in path order, with an example request ready to show."""
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get(JSON)
            found.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op["summary"],
                    "description": prose(op.get("description")),
                    "security": [" + ".join(alt) for alt in op.get("security", [])],
                    "parameters": [
                        {
                            **p,
                            "description": prose(p["description"]),
                            "type": type_label(p["schema"]),
                            "limits": constraints(p["schema"]),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": type_label(body["schema"]) if body else None,
                    "responses": [
                        {
                            "status": status,
                            "description": r["description"],
                            "media": ", ".join(
                                f"{m}: {type_label(c['schema'])}" for m, c in r.get("content", {}).items()
                            ),
                        }
                        for status, r in op["responses"].items()
                    ],
                    "example": _example_request(base, path, method, op),
                }
            )
    return found


def schema_docs(spec: dict) -> list[dict[str, Any]]:
    """Return every component schema with its properties (name, type, required) for the docs page."""
    docs_ = []
    for name, schema in spec["components"]["schemas"].items():
        parts = schema.get("allOf", [schema])
        props, required = {}, set()
        for part in parts:
            props.update(part.get("properties", {}))
            required.update(part.get("required", []))
        docs_.append(
            {
                "name": name,
                "description": prose(schema.get("description")),
                "extends": [type_label(p) for p in parts if "$ref" in p],
                "variants": [type_label(s) for s in schema.get("oneOf", []) if "$ref" in s],
                "properties": [
                    {
                        "name": key,
                        "type": type_label(value),
                        "required": key in required,
                        "limits": constraints(value),
                    }
                    for key, value in props.items()
                ],
            }
        )
    return docs_
