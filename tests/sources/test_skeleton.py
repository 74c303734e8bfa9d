"""Without a venues file, import-schedule writes one holding every room of the source, to place in the browser."""

import json
import re

import pytest

from tests.sources.conftest import EXAMPLES
from webapp.program.eventdata import load_event, load_venues
from webapp.sources.convert import import_schedule
from webapp.sources.model import ScheduleError

HUB = str(EXAMPLES / "hub-schedule2.json")
HUB_ROOMS = ["Saal 1", "Saal ZIGZAG", "Saal GLITCH", "Stage HUFF", "Stage YELL"]


def features(out):
    return json.loads((out / "venues.geojson").read_text())["features"]


def test_every_room_of_the_source_goes_into_one_venue_not_placed_yet(tmp_path):
    out = tmp_path / "out"
    summary, _ = import_schedule(HUB, out_dir=out)
    [venue] = features(out)
    assert venue["geometry"] is None
    assert venue["properties"]["id"] == "38c3"
    assert venue["properties"]["name"] == {"en": "38C3"}
    assert venue["properties"]["position"] == "approximate"
    # Rooms with sessions first, then the ones the source lists without any.
    assert [r["name"]["en"] for r in venue["properties"]["rooms"]] == HUB_ROOMS
    assert [r["id"] for r in venue["properties"]["rooms"]] == [
        "saal-1", "saal-zigzag", "saal-glitch", "stage-huff", "stage-yell",
    ]  # fmt: skip
    assert summary.notes[0] == (
        "Venues: a new venues file with 5 rooms in 1 venue(s), not placed on the map yet: place them on "
        "/staff/venues."
    )
    # Ordinary venues data: it loads with the program, through the same checks as a hand-made file.
    event = load_event(out / "venues.geojson", out / "program.json")
    assert [f.properties.id for f in event.unplaced] == ["38c3"]
    assert {s.room for s in event.program.sessions} == {"saal-1", "saal-zigzag"}


def test_room_name_prefixes_make_one_venue_each(tmp_path):
    out = tmp_path / "out"
    import_schedule(HUB, out_dir=out, venue_prefixes=["Stage=Outdoor stages", "Saal"])
    venues = {f["properties"]["id"]: f["properties"] for f in features(out)}
    assert {ident: [r["name"]["en"] for r in v["rooms"]] for ident, v in venues.items()} == {
        "outdoor-stages": ["Stage HUFF", "Stage YELL"],
        "saal": ["Saal 1", "Saal ZIGZAG", "Saal GLITCH"],
    }
    assert venues["outdoor-stages"]["name"] == {"en": "Outdoor stages"}
    load_venues(out / "venues.geojson")


def test_rooms_no_prefix_takes_go_to_a_venue_named_after_the_event(tmp_path):
    out = tmp_path / "out"
    import_schedule(HUB, out_dir=out, venue_prefixes=["Stage"])
    assert [(f["properties"]["id"], len(f["properties"]["rooms"])) for f in features(out)] == [
        ("stage", 2),
        ("38c3", 3),
    ]


def test_a_second_import_keeps_the_venues_the_organiser_placed(tmp_path):
    out = tmp_path / "out"
    import_schedule(HUB, out_dir=out)
    placed = json.loads((out / "venues.geojson").read_text())
    placed["features"][0]["geometry"] = {"type": "Point", "coordinates": [9.9851, 53.5578]}
    placed["features"][0]["properties"]["address"] = {"en": "Marseiller Str. 2, Hamburg"}
    (out / "venues.geojson").write_text(json.dumps(placed))
    summary, _ = import_schedule(HUB, out_dir=out)
    assert json.loads((out / "venues.geojson").read_text()) == placed
    assert summary.notes[0] == f"Venues: {out / 'venues.geojson'}"
    assert summary.rooms["Saal 1"] == "38c3/saal-1 (by name)"


def test_a_new_room_in_a_later_release_says_which_file_was_used(tmp_path):
    out = tmp_path / "out"
    import_schedule(HUB, out_dir=out)
    data = json.loads((EXAMPLES / "hub-schedule2.json").read_text())
    data["schedule"]["events"][0]["room"] = {"name": "Saal X", "guid": "1b1d5b6c-0000-4000-8000-000000000001"}
    source = tmp_path / "next.json"
    source.write_text(json.dumps(data))
    with pytest.raises(ScheduleError) as caught:
        import_schedule(str(source), out_dir=out)
    assert str(caught.value) == (
        "Room 'Saal X' of the schedule is not in venues.geojson: add its room there, or add the line "
        f'"Saal X" = "VENUE-ID/ROOM-ID" to a rooms map and pass it with --rooms. ({out / "venues.geojson"} '
        "was already there, so it was used: for a new event, give another --out.)"
    )


def test_with_a_venues_file_every_unknown_room_is_named_at_once(tmp_path, write_venues):
    venues = write_venues(
        "hub-schedule2.json",
        lambda v: v["features"][0]["properties"].update(rooms=[{"id": "x", "name": {"en": "X"}}]),
    )
    data = json.loads((EXAMPLES / "hub-schedule2.json").read_text())
    data["schedule"]["events"].append(
        {
            **data["schedule"]["events"][0],
            "guid": "4b0c3b56-0000-4000-8000-000000000002",
            "room": "Stage HUFF",
        }
    )
    source = tmp_path / "three.json"
    source.write_text(json.dumps(data))
    with pytest.raises(ScheduleError) as caught:
        import_schedule(str(source), venues, out_dir=tmp_path / "out")
    assert str(caught.value) == (
        "3 rooms of the schedule are not in venues.geojson: 'Saal 1', 'Saal ZIGZAG', 'Stage HUFF'; add them "
        'there, or add a line for each, such as "Saal 1" = "VENUE-ID/ROOM-ID", to a rooms map and pass it '
        "with --rooms."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"rooms_file": "rooms.toml"},
            "--rooms places rooms in a venues file: give that file with --venues.",
        ),
        (
            {"venue_prefixes": ["=Hall"]},
            "--venue-prefix: '=Hall' has no prefix; give PREFIX or PREFIX=Venue name.",
        ),
    ],
)
def test_options_that_need_a_venues_file_or_a_prefix_say_so(tmp_path, options, message):
    with pytest.raises(ScheduleError) as caught:
        import_schedule(HUB, out_dir=tmp_path / "out", **options)
    assert str(caught.value) == message


def test_the_command_writes_the_skeleton_and_says_where_to_place_it(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["import-schedule", HUB, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (
        "Note: Venues: a new venues file with 5 rooms in 1 venue(s), not placed on the map yet"
        in result.output
    )
    assert (tmp_path / "out" / "venues.geojson").is_file()


def test_near_pins_every_new_venue_roughly_there_so_the_app_can_serve_it(make_app, tmp_path):
    out = tmp_path / "out"
    summary, _ = import_schedule(HUB, out_dir=out, venue_prefixes=["Stage"], near="53.5578, 9.9851")
    for feature in features(out):
        assert feature["geometry"] == {"type": "Point", "coordinates": [9.9851, 53.5578]}
        assert (feature["properties"]["position"], feature["properties"]["accuracy_m"]) == (
            "approximate",
            1000,
        )
    assert "pinned roughly where --near says: place them on /staff/venues." in summary.notes[0]
    app = make_app(VENUES_FILE=str(out / "venues.geojson"), PROGRAM_FILE=str(out / "program.json"))
    venues = app.test_client().get("/api/venues").get_json()["features"]
    assert {v["properties"]["position"] for v in venues} == {"approximate"}


@pytest.mark.parametrize(
    ("near", "message"),
    [
        ("Hamburg", "--near: 'Hamburg' is not LAT,LON such as 52.5200,13.4050."),
        ("153.5,9.98", "--near: '153.5,9.98' is not on Earth"),
    ],
)
def test_near_must_be_a_point(tmp_path, near, message):
    with pytest.raises(ScheduleError, match=f"^{re.escape(message)}"):
        import_schedule(HUB, out_dir=tmp_path / "out", near=near)


def test_an_existing_venues_file_is_never_overwritten_by_a_new_one(tmp_path):
    out = tmp_path / "out"
    import_schedule(HUB, out_dir=out)
    before = (out / "venues.geojson").read_text()
    with pytest.raises(ScheduleError, match=r"venues\.geojson is already there and is used as it is"):
        import_schedule(HUB, out_dir=out, venue_prefixes=["Stage"])
    assert (out / "venues.geojson").read_text() == before
