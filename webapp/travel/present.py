"""The agenda page as it is drawn: the moment asked for, day labels, each venue's name and directions, words.

The plan itself comes from GET /api/agenda (service.py); agenda.js draws it from this page data.
"""

from datetime import datetime

from flask_babel import gettext as _

from webapp import walking
from webapp.models import Venue
from webapp.web.directions import directions_view


def agenda_page_data(lang: str, venues: list[Venue], at: datetime | None, days: dict) -> dict:
    """Return what the agenda page script needs: the moment asked for (?at=), day labels, venues, words."""
    return {
        "at": at.isoformat() if at else None,
        "days": days,
        "method": walking.method(),
        "venues": {
            v.id: {"name": v.short_name(lang), "directions": directions_view(v, lang)} for v in venues
        },
        "labels": {
            "gap": _("%(minutes)s min between"),
            "transfer": _("%(distance)s straight line, about %(minutes)s min on foot"),
            "same_venue": _("Same venue"),
            "late": _(
                "%(from_time)s %(from_venue)s → %(to_time)s %(to_venue)s: %(distance)s, "
                "about %(minutes)s min on foot: you will be late"
            ),
            "overlap": _("Overlaps %(title)s"),
            "online": _("Online: no travel needed"),
            "cancelled": _("Cancelled"),
            "approximate": _("approximate location"),
            "next": _("Your next session"),
            "leave_by": _("Leave by %(time)s"),
            "from_position": _(
                "from where you are: %(distance)s straight line, about %(minutes)s min on foot"
            ),
            "from_venue": _("from %(venue)s: %(distance)s straight line, about %(minutes)s min on foot"),
            "from_same_venue": _("from %(venue)s: same building"),
            "no_origin": _("Use your location to get a leave-by time."),
            "too_late": _("At this pace you will be late."),
            "directions": _("Directions"),
            "star": _("Star"),
            "updated": _("Changed just now"),
            "finding": _("Finding your position…"),
            "denied": _("Location permission was denied; leave-by times use the previous venue."),
            "unavailable": _("Your position could not be found; leave-by times use the previous venue."),
            "error": _("The agenda could not be loaded. Check your connection and reload."),
        },
    }
