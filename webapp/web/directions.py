"""Directions to a venue: which maps apps to offer, their deep links, and the links as a page shows them.

Shared by every page that names a place (the map's popups, a session, a venue, the agenda); it knows no
feature: the event comes through current_event(), the setting through the app's config (DIRECTIONS_APPS).
"""

from typing import Any
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.extensions import current_event
from webapp.models import Venue

# Maps apps a visitor can get walking directions from, each given the destination's coordinates.
DIRECTIONS_APPS = ("kakao", "naver", "google", "osm", "apple")
# Where no setting and no event data say otherwise: what people there use.
KOREA_APPS = ("kakao", "naver", "google")
ELSEWHERE_APPS = ("osm", "google", "apple")
# South Korea, roughly (Jeju to the DMZ, Baengnyeong to Dokdo): KakaoMap and Naver Map know it well.
KOREA_BOX = ((33.0, 124.5), (38.7, 132.0))


def in_korea(lat: float, lon: float) -> bool:
    """Tell whether a point lies in South Korea (its bounding box)."""
    (south, west), (north, east) = KOREA_BOX
    return south <= lat <= north and west <= lon <= east


def directions_apps(
    chosen: list[str] | tuple[str, ...] | None, points: list[tuple[float, float]]
) -> tuple[str, ...]:
    """Return the maps apps to offer: chosen (a setting, the event's data), else by the venues' country.

    points are (lat, lon); KakaoMap and Naver Map only when every venue is in Korea.
    """
    if chosen:
        return tuple(app for app in chosen if app in DIRECTIONS_APPS) or ELSEWHERE_APPS
    return KOREA_APPS if points and all(in_korea(lat, lon) for lat, lon in points) else ELSEWHERE_APPS


def _app_url(app: str, name: str, lat: str, lon: str) -> str:
    return {
        "kakao": f"https://map.kakao.com/link/to/{name},{lat},{lon}",
        "naver": f"https://map.naver.com/p/directions/-/{lon},{lat},{name},,/-/walk",
        "google": f"https://www.google.com/maps/dir/?api=1&destination={lat},{lon}&travelmode=walking",
        "osm": f"https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route=%3B{lat}%2C{lon}",
        "apple": f"https://maps.apple.com/?daddr={lat},{lon}&dirflg=w",
    }[app]


def directions_links(venue: Any, lang: str, apps: tuple[str, ...] = KOREA_APPS) -> list[dict[str, str]]:
    """Return walking-directions deep links to venue for each of apps, at its coordinates."""
    # The short name: the full English name of Gravity has a comma, which Kakao's path would split on.
    name = quote(venue.short_name(lang), safe="")
    lat, lon = f"{venue.lat:.7f}", f"{venue.lon:.7f}"
    return [{"app": app, "url": _app_url(app, name, lat, lon)} for app in apps]


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

    event is the program's EventData, not annotated: the shared layer knows no feature.
    """
    points = [(lat, lon) for lon, lat in (f.lon_lat for f in event.venues if f.geometry is not None)]
    return directions_apps(setting or event.event.directions, points)


def directions_view(venue: Venue, lang: str) -> list[dict]:
    """Return the directions links to venue with their labels."""
    apps = offered_apps(current_event(), current_app.config.get("DIRECTIONS_APPS"))
    return [{**link, "label": app_label(link["app"])} for link in directions_links(venue, lang, apps)]


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
