"""Where a room is and how far things are, as a reader sees them: a room without a floor shows no
empty "()" (the generated congress and an imported pretalx schedule), a floor shows as its label,
and a distance (a position's accuracy, the nearest station) reads "400 m" or "1.5 km" on every page."""

import json
import re

import lxml.html
import pytest

from bench.big_event import EVENT_NOW, write_event
from tests.conftest import ROOT
from tests.sources.conftest import imported_files


def text_of(response) -> str:
    """Return the words a reader sees on the page (no scripts, no styles)."""
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    for hidden in tree.xpath("//script | //style | //template"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


def first_session_in(client, room: str) -> str:
    return client.get("/api/sessions", query_string={"room": room, "limit": 1}).get_json()["sessions"][0][
        "id"
    ]


@pytest.fixture
def congress(make_app, tmp_path):
    """A test client for the generated congress (saal-01 has no floor, saal-02 is on "EG")."""
    venues_file, program_file = write_event(tmp_path / "big", venues=1)
    rooms = json.loads(venues_file.read_text())["features"][0]["properties"]["rooms"]
    assert [r["floor"] for r in rooms[:2]] == ["", "EG"]
    app = make_app(VENUES_FILE=str(venues_file), PROGRAM_FILE=str(program_file), EVENT_NOW=EVENT_NOW)
    return app.test_client()


def test_generated_congress_shows_a_floor_only_where_a_room_has_one(congress):
    without = text_of(congress.get(f"/sessions/{first_session_in(congress, 'saal-01')}?lang=en"))
    assert "Saal 01" in without and "()" not in without
    with_floor = text_of(congress.get(f"/sessions/{first_session_in(congress, 'saal-02')}?lang=en"))
    assert re.search(r"Saal 02[^()]* \(EG\)", with_floor)
    for path in ("/?lang=en", "/rooms/saal-01?lang=en", "/rooms/saal-02?lang=en", "/venues/cch?lang=en"):
        shown = text_of(congress.get(path))
        assert "()" not in shown and "(0)" not in shown, path
    assert "· EG" in text_of(congress.get("/rooms/saal-02?lang=en"))


def test_imported_pretalx_rooms_have_no_empty_floor(make_app, tmp_path):
    client = make_app(**imported_files("pretalx-democon.json", tmp_path)).test_client()
    session = client.get("/api/sessions", query_string={"limit": 1}).get_json()["sessions"][0]
    shown = text_of(client.get(f"/sessions/{session['id']}?lang=en"))
    assert "Room" in shown and "()" not in shown
    assert "()" not in text_of(client.get(f"/rooms/{session['room']}?lang=en"))


@pytest.mark.parametrize(("accuracy", "label"), [(400, "400 m"), (1460, "1.5 km")])
def test_approximate_location_reads_in_metres_or_kilometres(make_app, tmp_path, accuracy, label):
    venues = json.loads((ROOT / "venues.geojson").read_text())
    approximate = next(f for f in venues["features"] if f["properties"]["position"] == "approximate")
    approximate["properties"]["accuracy_m"] = accuracy
    (tmp_path / "venues.geojson").write_text(json.dumps(venues, ensure_ascii=False))
    client = make_app(
        VENUES_FILE=str(tmp_path / "venues.geojson"), EVENT_NOW="2023-11-29T10:30:00+09:00"
    ).test_client()
    venue = f"/venues/{approximate['properties']['id']}"
    for path in ("/", venue):
        assert f"Approximate location (within about {label})." in text_of(client.get(f"{path}?lang=en"))
        assert f"대략적인 위치입니다(오차 약 {label})." in text_of(client.get(f"{path}?lang=ko"))
    popup = next(v for v in map_data(client.get("/?lang=en"))["venues"] if v["approximate"])
    assert popup["approx_note"].startswith(f"Approximate location (within about {label}).")


def map_data(response) -> dict:
    """Return the map's page data (the popups are drawn from it by static/js/venue-map.js)."""
    page = response.get_data(as_text=True)
    return json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))


def test_a_stations_distance_reads_as_every_other_distance(client):
    # training-center's nearest station is 1,400 m away: a reader sees 1.4 km, as on the travel table.
    english = "Nearest station: Migeum Station, about 1.4 km"
    assert english in text_of(client.get("/venues/training-center?lang=en"))
    assert "가장 가까운 역: 미금역(약 1.4 km)" in text_of(client.get("/venues/training-center?lang=ko"))
    assert "Nearest station: Jeongja Station, about 170 m" in text_of(
        client.get("/venues/kins-tower?lang=en")
    )
    popups = {v["id"]: v["station"] for v in map_data(client.get("/?lang=en"))["venues"]}
    assert popups["training-center"] == english
