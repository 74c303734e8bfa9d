"""The visitor's agenda page, /agenda: their starred sessions (kept in their browser) as a plan for the day."""

from flask import Blueprint, render_template

from webapp.program.queries import list_venues
from webapp.program.walks import method_text
from webapp.travel.present import agenda_page_data
from webapp.web.context import current_event, page_clock, page_lang
from webapp.web.templating import day_label

bp = Blueprint("travel", __name__)


@bp.get("/agenda")
def agenda():
    """Show the visitor's starred sessions (kept in their browser) as a plan for the day."""
    event, clock = current_event(), page_clock()
    days = {d.isoformat(): day_label(d) for d in event.event.days}
    # The API is asked for the same moment only when the visitor picked one (?at=).
    at = clock.now if clock.source == "requested" else None
    data = agenda_page_data(page_lang(), list_venues(), at, days)
    return render_template("agenda.html", agenda=data, clock=clock, travel_method=method_text())
