"""Walking between venues as the program's pages show it: a venue's travel table, the map's locate-me, the method.

The figures come from webapp/walking.py and the links from webapp/web/directions.py, both below the
program; the visitor's agenda (webapp/travel/) reads these too.
"""

from flask_babel import gettext as _

from webapp import walking
from webapp.localized import pick
from webapp.models import Venue
from webapp.walking import distance_label
from webapp.web.directions import directions_html, directions_view


def method_text() -> str:
    """Return how walking times are estimated, in words."""
    return _(
        "Walking times are estimates: the straight line × %(factor)s for streets and crossings, "
        "at %(speed)s km/h, rounded up to the minute.",
        factor=walking.DETOUR_FACTOR,
        speed=walking.WALKING_SPEED_KMH,
    )


def travel_rows(venue: Venue, venues: list[Venue], lang: str) -> list[dict]:
    """Return the venue page's travel table: from venue to each other venue."""
    legs = walking.travel_matrix(venues)[venue.id]
    return [
        {
            "id": other.id,
            "name": other.short_name(lang),
            "distance": distance_label(legs[other.id]["distance_m"]),
            "walking": _("about %(minutes)s min", minutes=legs[other.id]["walking_minutes"]),
            "hint": pick(legs[other.id]["transit_hint"], lang),
            "approximate": legs[other.id]["approximate"],
            "directions": directions_html(other, lang),
        }
        for other in venues
        if other.id in legs
    ]


def locate_data(venues: list[Venue], lang: str) -> dict:
    """Return what the map page's locate-me needs: venue points, the walking method and bands, words."""
    return {
        "method": walking.method(),
        "walk_bands": walking.walking_bands(),
        "venues": [
            {
                "id": v.id,
                "name": v.short_name(lang),
                "lat": v.lat,
                "lon": v.lon,
                "directions": directions_view(v, lang),
            }
            for v in venues
        ],
        "labels": {
            "finding": _("Finding your position…"),
            "found": _(
                "Nearest venue: %(venue)s, %(distance)s straight line, about %(minutes)s min on foot."
            ),
            "far": _(
                "Nearest venue: %(venue)s, %(distance)s straight line, more than %(minutes)s min on foot."
            ),
            "you": _("You are here"),
            "directions": _("Directions"),
            "denied": _(
                "Location permission was denied, so your position is not shown. Everything else works."
            ),
            "unavailable": _("Your position could not be found just now. Everything else works."),
        },
    }
