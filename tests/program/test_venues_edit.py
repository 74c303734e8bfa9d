"""The organiser's edits to the venues are applied to the document, keeping what the page does not show."""

import copy
import json

import pytest

from tests.conftest import ROOT
from webapp.program.venues_edit import EditError, VenuesEdit, apply_edits, edit_view, parse_edits


@pytest.fixture
def document() -> dict:
    """The embedded venues file, as JSON."""
    return json.loads((ROOT / "venues.geojson").read_text())


def edits_of(document: dict, base: str = "v1") -> dict:
    """Return the edits that leave the document as it is, as the page would send them."""
    return {"base": base, "venues": [edit_view(f) for f in document["features"]]}


def venue(edits: dict, ident: str) -> dict:
    return next(v for v in edits["venues"] if v["id"] == ident)


def feature(document: dict, ident: str) -> dict:
    return next(f for f in document["features"] if f["properties"]["id"] == ident)


def test_unchanged_edits_give_the_same_document(document):
    assert apply_edits(document, parse_edits(edits_of(document))) == document


def test_a_room_moves_with_everything_it_has(document):
    edits = edits_of(document)
    room_id = venue(edits, "kins-tower")["rooms"].pop(0)
    venue(edits, "gravity-pangyo")["rooms"].append(room_id)
    before = next(r for r in feature(document, "kins-tower")["properties"]["rooms"] if r["id"] == room_id)
    after = apply_edits(document, parse_edits(edits))
    assert feature(after, "gravity-pangyo")["properties"]["rooms"][-1] == before
    assert room_id not in [r["id"] for r in feature(after, "kins-tower")["properties"]["rooms"]]
    assert feature(document, "kins-tower")["properties"]["rooms"][0] == before  # the input is left alone


def test_a_new_venue_is_added_as_a_point(document):
    edits = edits_of(document)
    room_id = venue(edits, "kins-tower")["rooms"].pop()
    edits["venues"].append(
        {"id": "annex", "name": {"en": "Annex", "ko": ""}, "address": {"en": "1 Main St"}, "position": [127.1, 37.4],
         "approximate": True, "accuracy_m": 200, "rooms": [room_id]}
    )  # fmt: skip
    annex = feature(apply_edits(document, parse_edits(edits)), "annex")
    assert annex == {
        "type": "Feature",
        "id": "annex",
        "geometry": {"type": "Point", "coordinates": [127.1, 37.4]},
        "properties": {
            "id": "annex", "name": {"en": "Annex"}, "address": {"en": "1 Main St"}, "position": "approximate",
            "accuracy_m": 200, "rooms": [annex["properties"]["rooms"][0]],
        },
    }  # fmt: skip


def test_a_removed_venue_takes_the_transit_hints_to_it_along(document):
    edits = edits_of(document)
    gone = venue(edits, "training-center")
    venue(edits, "kins-tower")["rooms"] += gone["rooms"]
    edits["venues"].remove(gone)
    hinted = [
        f for f in document["features"] if "training-center" in f["properties"].get("transit_hints", {})
    ]
    assert hinted, "the embedded venues have a hint to the training center"
    after = apply_edits(document, parse_edits(edits))
    assert all("training-center" not in f["properties"].get("transit_hints", {}) for f in after["features"])


def test_a_moved_pin_drops_what_a_geocoder_said_and_a_footprint_keeps_its_shape(document):
    square = [[[127.0, 37.0], [127.002, 37.0], [127.002, 37.002], [127.0, 37.002], [127.0, 37.0]]]
    feature(document, "kins-tower")["geometry"] = {"type": "Polygon", "coordinates": square}
    feature(document, "kins-tower")["properties"]["geocoded"] = {
        "by": "nominatim",
        "query": "x",
        "at": "2026-11-30",
    }
    unmoved = apply_edits(document, parse_edits(edits_of(document)))
    assert feature(unmoved, "kins-tower") == feature(document, "kins-tower")
    edits = edits_of(document)
    venue(edits, "kins-tower")["position"] = [127.011, 37.011]
    moved = feature(apply_edits(document, parse_edits(edits)), "kins-tower")
    assert moved["geometry"]["coordinates"][0][0] == pytest.approx([127.01, 37.01])
    assert moved["geometry"]["coordinates"][0][2] == pytest.approx([127.012, 37.012])
    assert "geocoded" not in moved["properties"]


def test_a_venue_can_be_left_unplaced_and_short_names_fall_back(document):
    edits = edits_of(document)
    venue(edits, "kins-tower").update(position=None, short_name={"en": " ", "ko": ""})
    kins = feature(apply_edits(document, parse_edits(edits)), "kins-tower")
    assert kins["geometry"] is None and "short_name" not in kins["properties"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda e: venue(e, "kins-tower")["rooms"].append("no-such-room"),
            "Room 'no-such-room' is not a room",
        ),
        (
            lambda e: venue(e, "kins-tower")["rooms"].append(venue(e, "gravity-pangyo")["rooms"][0]),
            "is in two venues",
        ),
        (lambda e: venue(e, "kins-tower")["rooms"].clear(), "is in no venue"),
        (lambda e: e["venues"].append(copy.deepcopy(e["venues"][0])), "is listed twice"),
    ],
)
def test_edits_that_do_not_fit_the_document_are_refused(document, edit, message):
    edits = edits_of(document)
    edit(edits)
    with pytest.raises(EditError, match=message):
        apply_edits(document, parse_edits(edits))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda e: e.update(extra=1), "extra"),
        (lambda e: e["venues"][0].update(id="Not A Slug"), "venues.0.id"),
        (lambda e: e["venues"][0].update(position=["127", "37"]), "venues.0.position"),
        (lambda e: e["venues"][0].update(approximate="yes"), "venues.0.approximate"),
        (lambda e: e.update(venues=[]), "venues"),
    ],
)
def test_a_malformed_save_names_the_field(document, change, where):
    edits = edits_of(document)
    change(edits)
    with pytest.raises(EditError) as caught:
        parse_edits(edits)
    assert str(caught.value).startswith(f"'{where}")


def test_edits_are_a_model_with_limits():
    assert VenuesEdit.model_fields["venues"].metadata
