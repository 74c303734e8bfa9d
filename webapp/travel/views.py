"""HTTP routes for travel and the personal agenda."""

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from webapp.api.schemas import parse_ids
from webapp.exports.formats import calendar_name, sessions_to_ics
from webapp.program.pages import page_clock
from webapp.program.present import agenda_page_data, method_text
from webapp.program.queries import get_session, list_venues
from webapp.web.context import current_event, page_lang
from webapp.web.errors import ApiError
from webapp.web.templating import day_label

bp = Blueprint("travel", __name__)


@bp.get("/agenda")
def agenda():
    """Show the visitor's starred sessions (kept in their browser) as a plan for the day."""
    event, clock = current_event(), page_clock()
    days = {d.isoformat(): day_label(d) for d in event.event.days}
    # The API is asked for the same moment only when the visitor picked one (?at=).
    at = clock.now if clock.source == "requested" else None
    data = agenda_page_data(page_lang(), event, list_venues(), at, days)
    return render_template("agenda.html", agenda=data, clock=clock, travel_method=method_text())


@bp.get("/agenda.ics")
def agenda_ics():
    """Return the starred sessions in ?ids= as an iCalendar file, with venue, room and address."""
    event, lang = current_event(), page_lang()
    try:
        ids = parse_ids(request.args.get("ids"))
    except ValueError as exc:
        raise ApiError(400, "bad_parameter", str(exc)) from None
    found = sorted((s for s in (get_session(i) for i in ids) if s is not None), key=lambda s: s.start_at)
    if not found:
        raise ApiError(404, "not_found", "None of the sessions in ?ids= is in the program.")
    name = f"{calendar_name(event, lang)} · {_('My agenda')}"
    body = sessions_to_ics(found, event, request.url_root, name, lang)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.event.id}-agenda.ics"'
    return response
