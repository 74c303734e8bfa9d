"""A venues file made from a schedule's rooms, for an organiser who has none yet.

Every room of the source goes in: all in one venue named after the event, or one venue per room-name
prefix the organiser picks (`--venue-prefix "Hall A"`). Where each venue is, the schedule does not say:
its geometry is null and its position approximate, as `docs/data-format.md` has a venue whose position
is not known yet; or, when the organiser says roughly where the event is (`--near LAT,LON`), every venue
is pinned there, approximate within a kilometre. The organiser places each on /staff/venues (or adds
addresses and runs `flask venues geocode`); the file is ordinary venues data, checked like any other.
"""

from webapp.localized import TITLE_MAX
from webapp.sources.model import ScheduleError, SourceRoom
from webapp.sources.rooms import Placement, norm, slugify


def _unique(base: str, taken: set[str], fallback: str) -> str:
    ident = base or fallback
    number = 2
    while ident in taken:
        ident = f"{base or fallback}-{number}"
        number += 1
    taken.add(ident)
    return ident


NEAR_ACCURACY_M = 1000  # "roughly here": the venue is somewhere in the area the organiser named


def parse_near(value: str | None) -> tuple[float, float] | None:
    """Return --near "LAT,LON" (as a map app copies it) as (lon, lat), or None; raise ScheduleError if unreadable."""
    if not value:
        return None
    try:
        lat, lon = (float(part) for part in value.replace(" ", "").split(","))
    except ValueError:
        raise ScheduleError(f"--near: '{value[:60]}' is not LAT,LON such as 52.5200,13.4050.") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ScheduleError(
            f"--near: '{value[:60]}' is not on Earth: latitude -90..90, then longitude -180..180."
        )
    return lon, lat


def parse_prefixes(values: list[str]) -> list[tuple[str, str]]:
    """Return (prefix, venue name) for each --venue-prefix value, "PREFIX" or "PREFIX=Venue name"."""
    out = []
    for value in values:
        prefix, _, name = value.partition("=")
        if not prefix.strip():
            raise ScheduleError(f"--venue-prefix: '{value}' has no prefix; give PREFIX or PREFIX=Venue name.")
        out.append((prefix.strip(), name.strip() or prefix.strip()))
    return out


def skeleton(
    rooms: list[SourceRoom], title: str, lang: str, prefixes: list[tuple[str, str]], origin: str,
    near: tuple[float, float] | None = None,
) -> tuple[dict, dict[SourceRoom, Placement]]:  # fmt: skip
    """Return a venues FeatureCollection holding every room, and where each source room went."""
    groups: dict[str, list[SourceRoom]] = {name: [] for _, name in prefixes}
    rest: list[SourceRoom] = []
    by_length = sorted(prefixes, key=lambda item: -len(item[0]))
    for room in rooms:
        venue = next((name for prefix, name in by_length if norm(room.name).startswith(norm(prefix))), None)
        (groups[venue] if venue is not None else rest).append(room)
    if rest or not groups:
        groups[title] = rest
    venue_ids: set[str] = set()
    room_ids: set[str] = set()
    features, placements = [], {}
    for name, members in groups.items():
        if not members:
            continue  # a prefix no room has: no empty venue (a venue needs a room)
        venue_id = _unique(slugify(name), venue_ids, f"venue-{len(venue_ids) + 1}")
        listed = []
        for room in members:
            room_id = _unique(slugify(room.name), room_ids, f"room-{len(room_ids) + 1}")
            listed.append({"id": room_id, "name": {lang: room.name[:TITLE_MAX]}})
            placements[room] = Placement(venue_id, room_id, "new venues file")
        properties = {"id": venue_id, "name": {lang: name[:TITLE_MAX]}, "position": "approximate"}
        if near is not None:
            properties["accuracy_m"] = NEAR_ACCURACY_M
        features.append(
            {
                "type": "Feature",
                # Not known yet: place it on /staff/venues, or add an address and run `flask venues geocode`.
                "geometry": {"type": "Point", "coordinates": list(near)} if near is not None else None,
                "properties": {**properties, "rooms": listed, "sources": [f"Rooms from {origin}"]},
            }
        )
    return {"type": "FeatureCollection", "features": features}, placements
