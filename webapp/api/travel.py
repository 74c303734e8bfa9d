"""The JSON API's travel, agenda and GeoJSON routes: parse (spectree, from the models), call one service, serialise."""

from flask import Blueprint, current_app, jsonify, request
from spectree import Response

from webapp.api import schemas
from webapp.api.filters import api_filters
from webapp.api.spec import BAD, api
from webapp.exports.geojson import sessions_geojson
from webapp.exports.schedule_data import last_modified
from webapp.program.queries import get_session, get_venue, list_sessions, list_venues
from webapp.travel.service import plan_agenda
from webapp.walking import travel
from webapp.web.context import current_event, page_clock
from webapp.web.errors import ApiError
from webapp.web.exchange import ids_argument, send_export
from webapp.web.pagecache import cached_page

bp = Blueprint("api_travel", __name__, url_prefix="/api")


def _venue(value: str):
    found = get_venue(value)
    if found is None:
        raise ApiError(404, "not_found", f"There is no venue '{value}'; see /api/venues.")
    return found


@bp.get("/travel")
@api.validate(
    query=schemas.TravelQuery,
    resp=Response(
        HTTP_200=(schemas.Travel, "The trip."),
        HTTP_400=(schemas.Error, "from or to is missing or malformed."),
        HTTP_404=(schemas.Error, "There is no such venue."),
    ),
    tags=["travel"],
    operation_id="getTravel",
)
def api_travel():
    """Between two venues: distance, walking estimate (with its method) and transit hint."""
    query = request.context.query
    return jsonify(travel(_venue(query.from_), _venue(query.to)))


@bp.get("/agenda")
@api.validate(
    query=schemas.AgendaQuery,
    resp=Response(HTTP_200=(schemas.Agenda, "The plan."), HTTP_400=BAD),
    tags=["travel"],
    operation_id="getAgenda",
)
def api_agenda():
    """Plan starred sessions: in order by day, the walk between venues, when to leave."""
    query, event = request.context.query, current_event()
    ids = ids_argument(query.ids)
    if (query.lat is None) != (query.lon is None):
        raise ApiError(400, "bad_parameter", "Give both lat and lon as decimal degrees.")
    position = (query.lat, query.lon) if query.lat is not None else None
    found = [s for s in (get_session(i) for i in ids) if s is not None]
    plan = plan_agenda(found, list_venues(), tz=event.tz, now=page_clock().now, position=position)
    plan["sessions"] = {s.id: s.to_dict(event.tz) for s in found}
    plan["unknown"] = [i for i in ids if i not in plan["sessions"]]
    return jsonify(plan)


@bp.get("/sessions.geojson")
@cached_page(minute=False)  # outside validate, as in routes.py
@api.validate(
    query=schemas.SessionFilters,
    resp=Response("HTTP_304", HTTP_200=(schemas.SessionFeatures, "The sessions."), HTTP_400=BAD),
    tags=["program"],
    operation_id="listSessionsGeoJSON",
)
def sessions_geojson_export():
    """The sessions as GeoJSON Point features at their venue, for QGIS and other maps.

    Filtered like /api/sessions; revalidate with If-None-Match.
    """
    event, page = current_event(), request.context.query
    modified = last_modified(event)
    found = list_sessions(event.tz, **api_filters(page.model_dump(include={"day", "venue", "room", "track"})))
    body = current_app.json.dumps(sessions_geojson(found[page.offset : page.offset + page.limit], event.tz))
    return send_export(body, "application/geo+json", modified)
