"""Travel between venues: distances against known figures, honest walking times, links, the API and pages."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from webapp import walking
from webapp.walking import (
    DETOUR_FACTOR,
    WALKING_SPEED_KMH,
    distance_m,
    nearest_venue,
    travel_matrix,
    walking_minutes,
)
from webapp.web.directions import directions_links

ROOT = Path(__file__).resolve().parents[2]
PANGYO_STATION = (37.3948, 127.1112)


@dataclass
class FakeVenue:
    """A venue as travel needs it, read straight from venues.geojson (no database)."""

    id: str
    lat: float
    lon: float
    position: str
    properties: dict = field(default_factory=dict)

    def short_name(self, lang: str) -> str:
        return self.properties["short_name"][lang]


@pytest.fixture(scope="module")
def venues() -> dict[str, FakeVenue]:
    data = json.loads((ROOT / "venues.geojson").read_text())
    out = {}
    for feature in data["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        out[props["id"]] = FakeVenue(props["id"], lat, lon, props["position"], props)
    return out


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ("gravity-pangyo", "kins-tower", 3.07),
        ("kins-tower", "healthcare-innovation-park", 1.82),
        ("gravity-pangyo", "healthcare-innovation-park", 4.46),
    ],
)
def test_distance_matches_the_known_straight_line_within_two_percent(venues, a, b, km):
    leg = walking.travel(venues[a], venues[b])
    assert leg["distance_m"] == pytest.approx(km * 1000, rel=0.02)
    assert distance_m((venues[a].lat, venues[a].lon), (venues[b].lat, venues[b].lon)) == pytest.approx(
        km * 1000, rel=0.02
    )


def test_walking_estimate_is_the_straight_line_times_the_detour_at_the_stated_speed(venues):
    leg = walking.travel(venues["kins-tower"], venues["healthcare-innovation-park"])
    # 1,816 m x 1.3 = 2,361 m at 80 m/min (4.8 km/h) = 29.5 min, rounded up.
    assert leg["walking_minutes"] == 30
    assert leg["method"] == {"basis": "straight_line", "detour_factor": 1.3, "speed_kmh": 4.8}
    assert (DETOUR_FACTOR, WALKING_SPEED_KMH) == (1.3, 4.8)
    assert walking.travel(venues["gravity-pangyo"], venues["kins-tower"])["walking_minutes"] == 50


def test_walking_minutes_round_up_to_the_whole_minute():
    one_minute_straight = WALKING_SPEED_KMH * 1000 / 60 / DETOUR_FACTOR
    assert walking_minutes(0) == 0
    assert walking_minutes(one_minute_straight) == 1
    assert walking_minutes(one_minute_straight + 1) == 2


def test_matrix_covers_every_pair_once_and_is_symmetric(venues):
    matrix = travel_matrix(venues.values())
    assert set(matrix) == set(venues)
    for a, row in matrix.items():
        assert a not in row and set(row) == set(venues) - {a}
        for b, leg in row.items():
            back = matrix[b][a]
            assert leg["distance_m"] == back["distance_m"]
            assert leg["walking_minutes"] == back["walking_minutes"]


def test_transit_hint_comes_from_the_data_and_approximate_venues_are_flagged(venues):
    leg = walking.travel(venues["gravity-pangyo"], venues["kins-tower"])
    assert "Shinbundang" in leg["transit_hint"]["en"] and "신분당선" in leg["transit_hint"]["ko"]
    assert leg["approximate"] is False
    assert walking.travel(venues["kins-tower"], venues["healthcare-innovation-park"])["transit_hint"] is None
    assert walking.travel(venues["kins-tower"], venues["training-center"])["approximate"] is True


def test_nearest_venue_to_pangyo_station_is_gravity_about_three_minutes_away(venues):
    nearest = nearest_venue(*PANGYO_STATION, venues.values())
    assert nearest["venue"] == "gravity-pangyo"
    assert nearest["distance_m"] == pytest.approx(180, abs=15)
    assert nearest["walking_minutes"] == 3
    assert nearest_venue(*PANGYO_STATION, []) is None


def test_directions_links_open_kakao_naver_and_google_at_the_venue(venues):
    links = {link["app"]: link["url"] for link in directions_links(venues["kins-tower"], "ko")}
    assert (
        links["kakao"]
        == "https://map.kakao.com/link/to/%ED%82%A8%EC%8A%A4%ED%83%80%EC%9B%8C,37.3659790,127.1067124"
    )
    assert links["naver"] == (
        "https://map.naver.com/p/directions/-/127.1067124,37.3659790,%ED%82%A8%EC%8A%A4%ED%83%80%EC%9B%8C,,/-/walk"
    )
    assert links["google"] == (
        "https://www.google.com/maps/dir/?api=1&destination=37.3659790,127.1067124&travelmode=walking"
    )
    english = {link["app"]: link["url"] for link in directions_links(venues["gravity-pangyo"], "en")}
    assert "/link/to/Gravity%20Pangyo,37.3934270,127.1101018" in english["kakao"]


# --- Pages --------------------------------------------------------------------------------------


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_venue_page_has_a_travel_table_to_every_other_venue(client):
    page = text(client.get("/venues/kins-tower?lang=en"))
    table = page[page.index('class="travel"') :]
    rows = re.findall(r'data-travel-to="([^"]+)"', table)
    assert sorted(rows) == ["gravity-pangyo", "healthcare-innovation-park", "training-center"]
    gravity = table[table.index('data-travel-to="gravity-pangyo"') :]
    gravity = gravity[: gravity.index("</tbody>")]
    assert "3.1 km" in gravity and "about 50 min" in gravity and "Shinbundang Line one stop" in gravity
    assert gravity.count('target="_blank" rel="noopener"') == 3
    assert "× 1.3" in table and "4.8 km/h" in table and "rounded up" in table
    assert "approximate location" in table[table.index('data-travel-to="training-center"') :]


def test_venue_and_session_pages_offer_directions_in_a_new_tab(client):
    venue = text(client.get("/venues/healthcare-innovation-park?lang=en"))
    directions = venue[venue.index('class="directions"') :]
    assert "map.kakao.com/link/to/Healthcare%20Innovation%20Park,37.3542245,127.1209792" in directions
    session = text(client.get("/sessions/keynote-ohno-machado?lang=en"))
    found = re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener" data-app="(\w+)">', session)
    assert {app for _, app in found} == {"kakao", "naver", "google"}
    assert all("127.1209792" in url for url, _ in found)
    online = text(client.get("/sessions/kosmi-online-terminology?lang=en"))
    assert 'class="directions"' not in online


def test_every_map_popup_has_directions(client):
    page = text(client.get("/?lang=en"))
    # The popups are drawn from the map's page data (static/js/venue-map.js): each venue carries its links.
    data = json.loads(
        re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S).group(1)
    )
    venues = data["venues"]
    assert len(venues) == 4
    for venue in venues:
        urls = [link["url"] for link in venue["directions"]]
        assert any("map.kakao.com/link/to/" in u for u in urls) and any(
            "google.com/maps/dir/" in u for u in urls
        )


def test_map_page_gives_locate_me_the_servers_walking_method(client):
    page = text(client.get("/?lang=en"))
    assert 'id="locate-me"' in page and 'id="locate-status"' in page and 'aria-live="polite"' in page
    island = json.loads(
        re.search(r'<script type="application/json" id="venue-state">(.*?)</script>', page, re.S).group(1)
    )
    locate = island["locate"]
    assert locate["method"]["detour_factor"] == DETOUR_FACTOR
    assert locate["method"]["speed_kmh"] == WALKING_SPEED_KMH
    assert {v["id"] for v in locate["venues"]} == {
        "gravity-pangyo",
        "healthcare-innovation-park",
        "kins-tower",
        "training-center",
    }
    assert "%(venue)s" in locate["labels"]["found"]


def test_time_scrubber_form_goes_to_that_moment(client):
    page = text(client.get("/?lang=en"))
    assert 'class="scrubber"' in page and 'name="day"' in page and 'type="time"' in page
    response = client.get("/?day=2023-11-30&time=14:00")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/?at=2023-11-30T14:00")
    assert "Showing the program as at" in text(client.get(response.headers["Location"] + "&lang=en"))
    assert client.get("/?day=2024-01-01&time=14:00").status_code == 400


def test_walking_bands_give_the_same_minutes_as_the_estimate():
    bands = walking.walking_bands()
    assert bands[0] == 0 and len(bands) == walking.WALK_BANDS_MINUTES + 1
    for metres in (0, 1, 60, 62, 180, 1820, 4321, 7000):
        assert next(m for m, longest in enumerate(bands) if metres <= longest) == walking_minutes(metres)
