"""Travel between venues: distances (geopy), honest walking times, transit hints, directions links."""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol
from urllib.parse import quote

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
    """What travel needs from a venue (webapp.models.Venue satisfies it)."""

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


def _point(venue: Place) -> tuple[float, float]:
    return (venue.lat, venue.lon)


def travel(from_venue: Place, to_venue: Place) -> dict[str, Any]:
    """Return the distance, the walking estimate and its method, and the data's transit hint."""
    straight = 0.0 if from_venue.id == to_venue.id else distance_m(_point(from_venue), _point(to_venue))
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
        straight = distance_m((lat, lon), _point(venue))
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


# --- The personal agenda ------------------------------------------------------------------------


class Stop(Protocol):
    """What the agenda needs from a session (webapp.models.Session satisfies it)."""

    id: str
    start_at: datetime
    end_at: datetime
    venue_id: str | None
    status: str


def _minutes(delta: timedelta) -> int:
    return math.floor(delta.total_seconds() / 60)


def _transfer(prev: Stop, nxt: Stop, matrix: dict) -> dict[str, Any]:
    """Return the move from prev to nxt: gap, distance, walk, leave-by, and whether it is feasible."""
    gap = _minutes(nxt.start_at - prev.end_at)
    if prev.venue_id == nxt.venue_id:
        leg = {"distance_m": 0, "walking_minutes": 0, "transit_hint": None, "approximate": False}
    else:
        leg = matrix[prev.venue_id][nxt.venue_id]
    walk = leg["walking_minutes"]
    if gap < 0:
        problem = "overlap"
    elif walk > gap:
        problem = "late"
    else:
        problem = None
    return {
        "from_session": prev.id,
        "from_venue": prev.venue_id,
        "to_venue": nxt.venue_id,
        "from_end": prev.end_at.isoformat(),
        "gap_minutes": gap,
        "distance_m": leg["distance_m"],
        "walking_minutes": walk,
        "transit_hint": leg["transit_hint"],
        "approximate": leg["approximate"],
        "leave_by": (nxt.start_at - timedelta(minutes=walk)).isoformat(),
        "problem": problem,
    }


def _next_stop(
    items: list[dict], by_id: dict[str, Stop], venues: dict[str, Place], now: datetime, position
) -> dict[str, Any] | None:
    """Return when to leave for the first starred session starting after now, and from where."""
    upcoming = next(
        (
            item
            for item in items
            if by_id[item["session"]].start_at > now and by_id[item["session"]].status != "cancelled"
        ),
        None,
    )
    if upcoming is None:
        return None
    stop = by_id[upcoming["session"]]
    out: dict[str, Any] = {"session": stop.id, "start": stop.start_at.isoformat(), "origin": None}
    if stop.venue_id is None:
        out["origin"] = "online"
        return out
    if position is not None and stop.venue_id in venues:
        straight = distance_m(position, _point(venues[stop.venue_id]))
        out.update(origin="position", distance_m=round(straight), walking_minutes=walking_minutes(straight))
    elif upcoming["transfer"] is not None:
        leg = upcoming["transfer"]
        out.update(
            origin="venue",
            from_venue=leg["from_venue"],
            distance_m=leg["distance_m"],
            walking_minutes=leg["walking_minutes"],
        )
    else:
        return out  # nothing to leave from: the page offers to use the visitor's position
    leave_by = stop.start_at - timedelta(minutes=out["walking_minutes"])
    out["leave_by"] = leave_by.isoformat()
    out["late"] = leave_by < now
    return out


def plan_agenda(
    sessions: Iterable[Stop],
    venues: Iterable[Place],
    *,
    tz: tzinfo,
    now: datetime,
    position: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Order starred sessions by day and time, with the transfer between consecutive ones and when to leave.

    A transfer links a session to the previous one the visitor attends in person the same day: cancelled
    sessions are skipped, and online sessions need no travel (the visitor stays where they were).
    """
    venue_list = list(venues)
    by_venue = {v.id: v for v in venue_list}
    matrix = travel_matrix(venue_list)
    ordered = sorted(sessions, key=lambda s: (s.start_at, s.end_at, s.id))
    by_id = {s.id: s for s in ordered}
    days: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    last_in_person: Stop | None = None
    for s in ordered:
        day = s.start_at.astimezone(tz).date().isoformat()
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "items": []})
            last_in_person = None
        transfer = None
        attends = s.status != "cancelled" and s.venue_id is not None
        if attends and last_in_person is not None:
            transfer = _transfer(last_in_person, s, matrix)
        item = {"session": s.id, "transfer": transfer}
        days[-1]["items"].append(item)
        items.append(item)
        if attends:
            last_in_person = s
    return {
        "method": method(),
        "now": now.isoformat(),
        "days": days,
        "warnings": sum(1 for item in items if item["transfer"] and item["transfer"]["problem"]),
        "next": _next_stop(items, by_id, by_venue, now, position),
    }
