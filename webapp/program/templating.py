"""What the program adds to every page's template: the live-update data (base.html's page_live_data), and
distance_label (180 m, 1.8 km) for distances a template writes."""

from flask import Flask

from webapp.live.log import active_announcements
from webapp.program.present import live_data
from webapp.program.queries import list_venues
from webapp.walking import distance_label
from webapp.web.clock import EventClock
from webapp.web.context import current_event, page_lang
from webapp.web.pagecache import page_seq


def page_live_data(clock: EventClock | None = None) -> dict:
    """Return the live-update data (and the page's clock) for the page being rendered."""
    # The seq read before the page's data (pagecache), never after: it must not claim a change it lacks.
    return live_data(page_lang(), current_event(), list_venues(), page_seq(), active_announcements(), clock)


def init_app(app: Flask) -> None:
    """Register the program's template globals."""
    app.jinja_env.globals.update(page_live_data=page_live_data, distance_label=distance_label)
