"""Placing a schedule's rooms: the rooms map wins, its targets are checked whole, shared guids match nothing."""

import pytest

from tests.sources.conftest import venues_for
from webapp.datafiles import VenueCollection
from webapp.sources.model import ScheduleError, SourceRoom
from webapp.sources.rooms import place_rooms, read_rooms_map, slugify


def two_venues():
    """Return the hub example's venue (cch: room-0 Saal 1, room-1 Saal GLITCH, room-2 Saal ZIGZAG) and a second one."""
    data = venues_for("hub-schedule2.json")
    data["features"].append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [9.99, 53.55]},
            "properties": {
                "id": "annex",
                "name": {"en": "Annex"},
                "rooms": [{"id": "lab", "name": {"en": "Lab"}}],
            },
        }
    )
    return VenueCollection.model_validate(data).features


def rooms_map(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "rooms.toml"
    path.write_text(text)
    return read_rooms_map(path)


def place(rooms, mapping, tmp_path=None):
    return place_rooms(rooms, two_venues(), "venues.geojson", mapping, "rooms.toml")


def test_the_rooms_map_wins_over_a_room_of_the_same_name(tmp_path):
    # "Saal 1" is a room of cch by name; the organiser's map puts it in the annex's lab instead.
    placed = place([SourceRoom("Saal 1")], rooms_map(tmp_path, '"Saal 1" = "annex/lab"'))
    assert (placed[SourceRoom("Saal 1")].venue, placed[SourceRoom("Saal 1")].room) == ("annex", "lab")
    assert placed[SourceRoom("Saal 1")].how == "rooms map"


@pytest.mark.parametrize(
    "target",
    ["cch/lab", "annex/room-0", "nowhere/lab", "cch/nope", "nope"],
    ids=["room-of-another-venue", "other-way-round", "unknown-venue", "unknown-room", "bare-unknown-room"],
)
def test_a_target_whose_venue_or_room_is_wrong_is_refused_naming_the_line(tmp_path, target):
    with pytest.raises(ScheduleError) as caught:
        place([SourceRoom("Saal 1")], rooms_map(tmp_path, f'"Saal 1" = "{target}"'))
    assert str(caught.value) == (
        f'rooms.toml: "Saal 1" = "{target}" names a room that is not in venues.geojson.'
    )


def test_a_bare_room_id_target_finds_its_venue(tmp_path):
    placed = place([SourceRoom("Stage HUFF")], rooms_map(tmp_path, '"Stage HUFF" = "lab"'))
    assert (placed[SourceRoom("Stage HUFF")].venue, placed[SourceRoom("Stage HUFF")].room) == ("annex", "lab")


def test_a_guid_shared_by_several_rooms_matches_nothing(tmp_path):
    # Some pretalx versions give every room of an event the same guid: a map line for it places no room.
    shared = "0f6b8e4c-0000-4000-8000-000000000000"
    rooms = [SourceRoom("Stage HUFF", shared), SourceRoom("Stage YELL", shared)]
    with pytest.raises(ScheduleError, match=r"Stage HUFF.*Stage YELL"):
        place(rooms, rooms_map(tmp_path, f'"{shared}" = "annex/lab"'))
    # A guid only one room has is a key like its name.
    placed = place(rooms[:1], rooms_map(tmp_path, f'"{shared}" = "annex/lab"'))
    assert placed[rooms[0]].room == "lab"


def test_a_rooms_map_that_is_not_toml_or_not_text_says_so(tmp_path):
    with pytest.raises(
        ScheduleError, match=r'^rooms\.toml: not a rooms map .*"Room name" = "venue-id/room-id"'
    ):
        rooms_map(tmp_path, "Saal 1 = cch")
    with pytest.raises(ScheduleError, match=r'^rooms\.toml: the value for "Saal 1" must be text'):
        rooms_map(tmp_path, '"Saal 1" = 3')
    with pytest.raises(ScheduleError) as unreadable:
        read_rooms_map(tmp_path / "nope.toml")
    assert str(unreadable.value) == "nope.toml: could not be read (No such file or directory)."


def test_one_unplaced_room_is_named_with_the_line_that_would_place_it():
    with pytest.raises(ScheduleError) as caught:
        place([SourceRoom("Saal 1"), SourceRoom("Stage HUFF")], {})
    assert str(caught.value) == (
        "Room 'Stage HUFF' of the schedule is not in venues.geojson: add its room there, or add the line "
        '"Stage HUFF" = "VENUE-ID/ROOM-ID" to a rooms map and pass it with --rooms.'
    )


def test_every_unplaced_room_is_named_and_the_first_shows_the_line():
    with pytest.raises(ScheduleError) as caught:
        place([SourceRoom("Stage HUFF"), SourceRoom("Saal 1"), SourceRoom("Stage YELL")], {})
    assert str(caught.value) == (
        "2 rooms of the schedule are not in venues.geojson: 'Stage HUFF', 'Stage YELL'; add them there, or "
        'add a line for each, such as "Stage HUFF" = "VENUE-ID/ROOM-ID", to a rooms map and pass it with --rooms.'
    )
    assert [room.name for room in caught.value.rooms] == ["Stage HUFF", "Stage YELL"]


def test_a_room_id_made_from_a_long_name_is_cut_at_60_characters_between_words():
    assert slugify("Saal " + "x" * 80) == "saal-" + "x" * 55
    assert slugify("a" * 59 + " b") == "a" * 59  # cut after the hyphen: no trailing hyphen


def test_without_a_map_a_room_is_placed_by_its_name_or_its_id():
    # Names compare Unicode-normalised, case-folded, spaces collapsed; else the name's slug may be a room id.
    rooms = [SourceRoom("  saal   glitch "), SourceRoom("ＬＡＢ"), SourceRoom("Room 2")]
    placed = place(rooms, {})
    assert [(placed[r].venue, placed[r].room, placed[r].how) for r in rooms] == [
        ("cch", "room-1", "name"),
        ("annex", "lab", "name"),
        ("cch", "room-2", "id"),
    ]
