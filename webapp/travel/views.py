"""HTTP routes for travel and the personal agenda."""

import re

from flask import Blueprint, jsonify, render_template, request

from webapp.program.present import agenda_page_data, method_text
from webapp.program.queries import get_session, get_venue, list_venues
from webapp.travel.service import plan_agenda, travel
from webapp.web.context import current_event, page_clock, page_lang
from webapp.web.errors import ApiError
from webapp.web.templating import day_label

bp = Blueprint("travel", __name__)

MAX_IDS = 100
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _venue_arg(name: str):
    value = request.args.get(name, "").strip()
    if not value:
        raise ApiError(400, "missing_parameter", f"Give ?{name}=<venue id>; see /api/venues.")
    found = get_venue(value)
    if found is None:
        raise ApiError(404, "not_found", f"There is no venue '{value}'; see /api/venues.")
    return found


def parse_ids(text: str | None) -> list[str]:
    """Return the session ids of ?ids=a,b,c (unique, in order); raise ApiError for a malformed list."""
    ids = list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))
    if len(ids) > MAX_IDS:
        raise ApiError(400, "bad_parameter", f"ids may list at most {MAX_IDS} sessions.")
    bad = [i for i in ids if len(i) > 80 or not ID_PATTERN.match(i)]
    if bad:
        raise ApiError(400, "bad_parameter", f"'{bad[0][:80]}' is not a session id.")
    return ids


def _position() -> tuple[float, float] | None:
    lat, lon = request.args.get("lat"), request.args.get("lon")
    if lat is None and lon is None:
        return None
    try:
        point = (float(lat), float(lon))
    except (TypeError, ValueError):
        raise ApiError(400, "bad_parameter", "Give both lat and lon as decimal degrees.") from None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise ApiError(400, "bad_parameter", "lat must be within -90..90 and lon within -180..180.")
    return point


@bp.get("/api/travel")
def api_travel():
    """Return the distance, walking estimate (with its method) and transit hint between two venues."""
    return jsonify(travel(_venue_arg("from"), _venue_arg("to")))


@bp.get("/api/agenda")
def api_agenda():
    """Return the plan for the starred sessions in ?ids=: order, transfers, warnings, when to leave."""
    ids, position = parse_ids(request.args.get("ids")), _position()
    event = current_event()
    found = [s for s in (get_session(i) for i in ids) if s is not None]
    plan = plan_agenda(found, list_venues(), tz=event.tz, now=page_clock().now, position=position)
    plan["sessions"] = {s.id: s.to_dict(event.tz) for s in found}
    plan["unknown"] = [i for i in ids if i not in plan["sessions"]]
    return jsonify(plan)


@bp.get("/agenda")
def agenda():
    """Show the visitor's starred sessions (kept in their browser) as a plan for the day."""
    event, clock = current_event(), page_clock()
    days = {d.isoformat(): day_label(d) for d in event.event.days}
    # The API is asked for the same moment only when the visitor picked one (?at=).
    at = clock.now if clock.source == "requested" else None
    data = agenda_page_data(page_lang(), event, list_venues(), at, days)
    return render_template("agenda.html", agenda=data, clock=clock, travel_method=method_text())
