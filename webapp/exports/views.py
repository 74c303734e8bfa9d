"""HTTP routes for the standard exports: /schedule.ics, /agenda.ics, /schedule.xml, /schedule.json."""

from datetime import datetime

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _

from webapp.exports.frab import build_schedule, schedule_xml
from webapp.exports.ical import calendar_name, sessions_to_ics
from webapp.exports.schedule_data import export_version, last_modified
from webapp.program.queries import get_room, get_session, get_venue, list_sessions
from webapp.web.context import current_event, page_lang
from webapp.web.errors import ApiError
from webapp.web.exchange import ids_argument, send_export
from webapp.web.i18n import LANGUAGES
from webapp.web.pagecache import cached_page

bp = Blueprint("exports", __name__)


def _lang(default: str | None) -> str | None:
    chosen = request.args.get("lang")
    return chosen if chosen in LANGUAGES else default


@bp.get("/schedule.ics")
@cached_page(minute=False)
def schedule_ics():
    """Return the program as an iCalendar file: the whole event, or one ?venue= or ?room=."""
    event, lang = current_event(), _lang(None)
    venue = room = None
    if request.args.get("venue"):
        venue = get_venue(request.args["venue"])
        if venue is None:
            raise ApiError(404, "not_found", f"There is no venue '{request.args['venue']}'.")
    if request.args.get("room"):
        room = get_room(request.args["room"])
        if room is None:
            raise ApiError(404, "not_found", f"There is no room '{request.args['room']}'.")
    modified = last_modified(current_event())
    sessions = list_sessions(
        event.tz, venue_id=venue.id if venue else None, room_id=room.id if room else None
    )
    name = calendar_name(event, lang, venue, room)
    body = sessions_to_ics(sessions, event, request.url_root, name, lang)
    filename = "-".join(part.id for part in (event.event, venue, room) if part is not None) + ".ics"
    return send_export(body, "text/calendar", modified, filename)


@bp.get("/agenda.ics")
def agenda_ics():
    """Return the starred sessions in ?ids= as an iCalendar file, with venue, room and address."""
    event, lang = current_event(), page_lang()
    ids = ids_argument(request.args.get("ids"))
    found = sorted((s for s in (get_session(i) for i in ids) if s is not None), key=lambda s: s.start_at)
    if not found:
        raise ApiError(404, "not_found", "None of the sessions in ?ids= is in the program.")
    name = f"{calendar_name(event, lang)} · {_('My agenda')}"
    body = sessions_to_ics(found, event, request.url_root, name, lang)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.event.id}-agenda.ics"'
    return response


def _schedule() -> tuple[dict, datetime]:
    event, modified = current_event(), last_modified(current_event())
    version = export_version(event)  # before the sessions too
    schedule = build_schedule(list_sessions(event.tz), event, request.url_root, version, _lang(None))
    return schedule, modified


@bp.get("/schedule.xml")
@cached_page(minute=False)
def schedule_xml_export():
    """Return the program as frab/c3voc schedule XML (ConfClerk, Giggity, EventFahrplan)."""
    schedule, modified = _schedule()
    return send_export(schedule_xml(schedule), "application/vnd.c3voc.schedule+xml", modified)


@bp.get("/schedule.json")
@cached_page(minute=False)
def schedule_json_export():
    """Return the program as c3voc schedule JSON."""
    schedule, modified = _schedule()
    return send_export(current_app.json.dumps(schedule), "application/json", modified)
