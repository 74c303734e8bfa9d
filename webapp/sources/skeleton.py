"""A venues file made from a schedule's rooms, for an organiser who has none yet.

Every room of the source goes in: all in one venue named after the event, or one venue per room-name
prefix the organiser picks (`--venue-prefix "Hall A"`). Where each venue is, the schedule does not say:
its geometry is null and its position approximate, as `docs/data-format.md` has a venue whose position
is not known yet. The organiser places it on /staff/venues (or adds addresses and runs
`flask venues geocode`); the file is ordinary venues data, checked like any other.
"""

from webapp.program.localized import TITLE_MAX
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
    rooms: list[SourceRoom], title: str, lang: str, prefixes: list[tuple[str, str]], origin: str
) -> tuple[dict, dict[SourceRoom, Placement]]:
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
        features.append(
            {
                "type": "Feature",
                # Not known yet: place it on /staff/venues, or add an address and run `flask venues geocode`.
                "geometry": None,
                "properties": {
                    "id": venue_id,
                    "name": {lang: name[:TITLE_MAX]},
                    "position": "approximate",
                    "rooms": listed,
                    "sources": [f"Rooms from {origin}"],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}, placements
