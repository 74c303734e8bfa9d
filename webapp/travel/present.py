"""Travel as a page shows it: directions links, the venue page's travel table, locate-me, the agenda page.

What the program's pages and the agenda page draw of getting between venues, in the page's language;
the figures come from service.py.
"""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.extensions import current_event
from webapp.localized import pick
from webapp.models import Venue
from webapp.travel import service as travel


def app_label(app: str) -> str:
    """Return the name of a maps app in the page's language."""
    return {
        "kakao": _("KakaoMap"),
        "naver": _("Naver Map"),
        "google": _("Google Maps"),
        "osm": _("OpenStreetMap"),
        "apple": _("Apple Maps"),
    }[app]


def offered_apps(event, setting: list[str] | None = None) -> tuple[str, ...]:
    """Return the maps apps this event's directions offer: the setting, the event's data, else by country.

    event is the program's EventData, not annotated: travel stands below the program.
    """
    points = [(lat, lon) for lon, lat in (f.lon_lat for f in event.venues if f.geometry is not None)]
    return travel.directions_apps(setting or event.event.directions, points)


def distance_label(metres: float) -> str:
    """Return a distance as people read it: 180 m, 1.8 km (halves rounded up, as static/js/walk.js does)."""
    tens = int(metres / 10 + 0.5) * 10
    if tens < 1000:
        return f"{tens} m"
    hundreds = int(metres / 100 + 0.5)
    return f"{hundreds // 10}.{hundreds % 10} km"


def method_text() -> str:
    """Return how walking times are estimated, in words."""
    return _(
        "Walking times are estimates: the straight line × %(factor)s for streets and crossings, "
        "at %(speed)s km/h, rounded up to the minute.",
        factor=travel.DETOUR_FACTOR,
        speed=travel.WALKING_SPEED_KMH,
    )


def directions_view(venue: Venue, lang: str) -> list[dict]:
    """Return the directions links to venue with their labels."""
    apps = offered_apps(current_event(), current_app.config.get("DIRECTIONS_APPS"))
    return [{**link, "label": app_label(link["app"])} for link in travel.directions_links(venue, lang, apps)]


def directions_html(venue: Venue, lang: str) -> Markup:
    """Return the 'Directions' action: links to turn-by-turn directions, each opening a new tab."""
    links = Markup(" ").join(
        Markup('<a href="{}" target="_blank" rel="noopener" data-app="{}">{}</a>').format(
            link["url"], link["app"], link["label"]
        )
        for link in directions_view(venue, lang)
    )
    return Markup('<p class="directions"><span class="directions__label">{}</span> {}</p>').format(
        _("Directions"), links
    )


def travel_rows(venue: Venue, venues: list[Venue], lang: str) -> list[dict]:
    """Return the venue page's travel table: from venue to each other venue."""
    legs = travel.travel_matrix(venues)[venue.id]
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
        "method": travel.method(),
        "walk_bands": travel.walking_bands(),
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


def agenda_page_data(lang: str, venues: list[Venue], at: datetime | None, days: dict) -> dict:
    """Return what the agenda page script needs: the moment asked for (?at=), day labels, venues, words."""
    return {
        "at": at.isoformat() if at else None,
        "days": days,
        "method": travel.method(),
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
