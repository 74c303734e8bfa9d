"""Walking between two places: the straight line (geopy), the honest walking estimate, a distance in words.

Below every feature, and knowing none: the program's pages (the map's locate-me, a venue's travel table, a
full room's alternatives), the visitor's agenda (webapp/travel/) and the API read it. static/js/walk.js
writes distances by the same rule as distance_label, held equal by tests/browser/test_shared_modules.py.
"""

import math
from collections.abc import Iterable
from typing import Any, Protocol

from geopy.distance import geodesic

# The walking estimate, stated rather than hidden: the straight line times DETOUR_FACTOR (streets,
# crossings, building entrances) at WALKING_SPEED_KMH, rounded up to the minute. The map page's
# locate-me uses these same two numbers (passed to the page), so there is one source for both.
DETOUR_FACTOR = 1.3
WALKING_SPEED_KMH = 4.8
# Straight-line metres covered per minute of walking, once the detour is counted.
STRAIGHT_METRES_PER_MINUTE = WALKING_SPEED_KMH * 1000 / 60 / DETOUR_FACTOR
# How far the map page's locate-me can tell walking minutes without asking the server: two hours.
WALK_BANDS_MINUTES = 120


class Place(Protocol):
    """What a walk needs from a venue (webapp.models.Venue satisfies it)."""

    id: str
    lat: float
    lon: float
    position: str
    properties: dict[str, Any]


def method() -> dict[str, Any]:
    """Return how walking times are estimated, as data a page can show."""
    return {"basis": "straight_line", "detour_factor": DETOUR_FACTOR, "speed_kmh": WALKING_SPEED_KMH}


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the geodesic distance in metres between two (lat, lon) points."""
    return geodesic(a, b).meters


def walking_minutes(straight_m: float) -> int:
    """Return the estimated walk for a straight-line distance, in whole minutes (rounded up)."""
    # The small epsilon keeps float noise (e.g. 3.0000000001) from adding a minute.
    return math.ceil(straight_m / STRAIGHT_METRES_PER_MINUTE - 1e-9)


def walking_bands(limit: int = WALK_BANDS_MINUTES) -> list[float]:
    """Return, for each whole minute 0..limit, the longest straight line walked within it (in metres).

    The browser looks a distance up in these (the first band at least as long is its minutes), so the
    rounding rule stays here, in walking_minutes, and a position never has to leave the phone.
    """
    return [round(minutes * STRAIGHT_METRES_PER_MINUTE, 2) for minutes in range(limit + 1)]


def distance_label(metres: float) -> str:
    """Return a distance as people read it: 180 m, 1.8 km (halves rounded up, as static/js/walk.js does)."""
    tens = int(metres / 10 + 0.5) * 10
    if tens < 1000:
        return f"{tens} m"
    hundreds = int(metres / 100 + 0.5)
    return f"{hundreds // 10}.{hundreds % 10} km"


def point(venue: Place) -> tuple[float, float]:
    """Return a place's (lat, lon)."""
    return (venue.lat, venue.lon)


def travel(from_venue: Place, to_venue: Place) -> dict[str, Any]:
    """Return the distance, the walking estimate and its method, and the data's transit hint."""
    straight = 0.0 if from_venue.id == to_venue.id else distance_m(point(from_venue), point(to_venue))
    hints = from_venue.properties.get("transit_hints") or {}
    return {
        "from": from_venue.id,
        "to": to_venue.id,
        "distance_m": round(straight),
        "walking_minutes": walking_minutes(straight),
        "method": method(),
        "transit_hint": hints.get(to_venue.id),
        # An approximate position makes the estimate approximate too: pages say so.
        "approximate": "approximate" in (from_venue.position, to_venue.position),
    }


def travel_matrix(venues: Iterable[Place]) -> dict[str, dict[str, dict[str, Any]]]:
    """Return {from id: {to id: travel(...)}} for every ordered pair of different venues."""
    venues = list(venues)
    return {a.id: {b.id: travel(a, b) for b in venues if b.id != a.id} for a in venues}


def nearest_venue(lat: float, lon: float, venues: Iterable[Place]) -> dict[str, Any] | None:
    """Return the venue nearest to (lat, lon) with its straight-line distance and walking estimate."""
    best = None
    for venue in venues:
        straight = distance_m((lat, lon), point(venue))
        if best is None or straight < best[1]:
            best = (venue, straight)
    if best is None:
        return None
    venue, straight = best
    return {
        "venue": venue.id,
        "distance_m": round(straight),
        "walking_minutes": walking_minutes(straight),
        "method": method(),
    }
