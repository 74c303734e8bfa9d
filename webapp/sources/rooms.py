"""Place a schedule's rooms in the venues file: by a rooms map, or by the venue file's own room list.

A rooms map is a small TOML file, one line per room: the source's room name or guid, and where it is,
as "venue-id/room-id" (or just "room-id", the room ids being unique):

    "Saal 1" = "cch/saal-1"
    "ba692ba3-421b-5371-8309-60acc34a3c05" = "cch/saal-1"
"""

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from webapp.datafiles import VenueFeature
from webapp.sources.model import ScheduleError, SourceRoom


@dataclass(frozen=True)
class Placement:
    """Where one source room is, and how that was decided ("rooms map", "name", "id", "guid")."""

    venue: str
    room: str
    how: str


def slugify(text: str, limit: int = 60) -> str:
    """Return text as a slug: lower-case ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def norm(text: str) -> str:
    """Return text as names are compared: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def read_rooms_map(path: str | Path | None) -> dict[str, str]:
    """Read a rooms map file; raise ScheduleError naming the file and the line's problem."""
    if path is None:
        return {}
    name = Path(path).name
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleError(f"{name}: could not be read ({exc.strerror or exc}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(
            f'{name}: not a rooms map ({exc}); each line is "Room name" = "venue-id/room-id".'
        ) from None
    for key, value in data.items():
        if not isinstance(value, str):
            raise ScheduleError(f'{name}: the value for "{key}" must be text, "venue-id/room-id".')
    return {norm(key): value for key, value in data.items()}


class VenueRooms:
    """The venue file's rooms, found by id, by any of their names, or by source names."""

    def __init__(self, venues: list[VenueFeature], venues_file: str) -> None:
        self.venues_file = venues_file
        self.room_venue: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for feature in venues:
            for room in feature.properties.rooms:
                self.room_venue[room.id] = feature.properties.id
                for text in [*room.name.translations.values(), *room.source_names]:
                    self.by_name.setdefault(norm(text), room.id)

    def resolve_target(self, target: str, key: str, mapfile: str) -> Placement:
        """Return the room a rooms-map value names; raise ScheduleError when it is not in the venues file."""
        venue, _, room = target.rpartition("/")
        if room not in self.room_venue or (venue and self.room_venue[room] != venue):
            raise ScheduleError(
                f'{mapfile}: "{key}" = "{target}" names a room that is not in {self.venues_file}.'
            )
        return Placement(self.room_venue[room], room, "rooms map")


class UnknownRooms(ScheduleError):
    """Rooms of the schedule that neither the rooms map nor the venues file places: all of them, named."""

    def __init__(self, rooms: list[SourceRoom], venues_file: str) -> None:
        self.rooms = rooms
        first = rooms[0].name
        if len(rooms) == 1:
            super().__init__(
                f"Room '{first}' of the schedule is not in {venues_file}: add its room there, or add the line "
                f'"{first}" = "VENUE-ID/ROOM-ID" to a rooms map and pass it with --rooms.'
            )
            return
        names = ", ".join(f"'{room.name}'" for room in rooms)
        super().__init__(
            f"{len(rooms)} rooms of the schedule are not in {venues_file}: {names}; add them there, or add a "
            f'line for each, such as "{first}" = "VENUE-ID/ROOM-ID", to a rooms map and pass it with --rooms.'
        )


def place_rooms(
    rooms: list[SourceRoom], venues: list[VenueFeature], venues_file: str, rooms_map: dict[str, str],
    mapfile: str = "the rooms map",
) -> dict[SourceRoom, Placement]:  # fmt: skip
    """Return where every source room is; raise UnknownRooms naming every room it cannot place."""
    index = VenueRooms(venues, venues_file)
    # pretalx gives every room of an event the same guid in some versions: a shared guid matches nothing.
    guid_counts = Counter(r.guid for r in rooms if r.guid)
    placed: dict[SourceRoom, Placement] = {}
    unknown: list[SourceRoom] = []
    for room in rooms:
        keys = [norm(room.name)] + ([norm(room.guid)] if room.guid and guid_counts[room.guid] == 1 else [])
        mapped = next((rooms_map[k] for k in keys if k in rooms_map), None)
        if mapped is not None:
            placed[room] = index.resolve_target(mapped, room.name, mapfile)
        elif (room_id := index.by_name.get(norm(room.name))) is not None:
            placed[room] = Placement(index.room_venue[room_id], room_id, "name")
        elif (room_id := slugify(room.name)) in index.room_venue:
            placed[room] = Placement(index.room_venue[room_id], room_id, "id")
        else:
            unknown.append(room)
    if unknown:
        raise UnknownRooms(unknown, venues_file)
    return placed
