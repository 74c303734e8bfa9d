"""/staff/venues over HTTP: the page's data, saving (and its refusals as JSON), the download."""

import json
import re

import lxml.html
import pytest

from tests.program.test_venues_edit import venue


def page_data(client) -> dict:
    page = client.get("/staff/venues/?lang=en").get_data(as_text=True)
    return json.loads(
        re.search(r'<script type="application/json" id="venues-data">(.*?)</script>', page, re.S).group(1)
    )


def edits_from(data: dict) -> dict:
    """Return the page's data as the page saves it, unchanged."""
    keys = ("id", "name", "short_name", "address", "position", "approximate", "accuracy_m", "rooms")
    return {"base": data["version"], "venues": [{k: v[k] for k in keys} for v in data["venues"]]}


def test_the_page_carries_every_venue_room_and_word(organiser):
    client, _ = organiser
    data = page_data(client)
    assert [v["id"] for v in data["venues"]] == [
        "gravity-pangyo",
        "healthcare-innovation-park",
        "kins-tower",
        "training-center",
    ]
    assert data["langs"] == ["ko", "en"] and data["rooms"]["kins-7f-auditorium"]["sessions"] > 0
    training = next(v for v in data["venues"] if v["id"] == "training-center")
    assert training["approximate"] and training["position"]
    assert all(data["labels"].values())


def test_saving_moves_a_room_and_says_so(app, organiser):
    client, token = organiser
    data = page_data(client)
    edits = edits_from(data)
    venue(edits, "kins-tower")["rooms"].remove("kins-7f-auditorium")
    venue(edits, "healthcare-innovation-park")["rooms"].append("kins-7f-auditorium")
    saved = client.post("/staff/venues/", json=edits, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    again = client.post(
        "/staff/venues/", json={**edits, "base": saved.get_json()["version"]}, headers={"X-CSRFToken": token}
    )
    assert again.get_json() == {"saved": False, "version": saved.get_json()["version"]}
    assert page_data(client)["version"] == saved.get_json()["version"]
    log = client.get("/staff/log?kind=venues&lang=en").get_data(as_text=True)
    assert "Venues" in log and "7F Auditorium → Healthcare Innovation Park" in log
    assert "saved here by olga" in client.get("/staff/venues/?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (
            lambda e: venue(e, "kins-tower").update(position=[127.1, 95.0]),
            400,
            "latitude 95.0 is outside -90..90",
        ),
        (
            lambda e: venue(e, "kins-tower").update(name={"en": " ", "ko": ""}),
            400,
            "feature 'kins-tower', field 'properties.name'",
        ),
        (
            lambda e: venue(e, "kins-tower")["rooms"].append("nope"),
            400,
            "Room 'nope' is not a room of this event",
        ),
        (lambda e: e.update(base="0000000000000000"), 409, "reload it"),
        (lambda e: e["venues"][0].update(rooms="x"), 400, "'venues.0.rooms'"),
    ],
)
def test_a_refused_save_is_json_with_one_sentence_and_changes_nothing(
    app, organiser, change, status, message
):
    client, token = organiser
    before = page_data(client)
    edits = edits_from(before)
    change(edits)
    refused = client.post("/staff/venues/", json=edits, headers={"X-CSRFToken": token})
    assert refused.status_code == status and set(refused.get_json()) == {"error", "message"}
    assert message in refused.get_json()["message"]
    assert page_data(client)["version"] == before["version"]


def test_a_save_needs_json_and_the_csrf_token(organiser):
    client, token = organiser
    assert client.post("/staff/venues/", data="not json", headers={"X-CSRFToken": token}).status_code == 400
    assert client.post("/staff/venues/", json={"base": "x", "venues": []}).status_code == 400  # no token


def test_the_venues_in_use_download_as_a_file(organiser):
    client, _ = organiser
    response = client.get("/staff/venues/venues.geojson")
    assert response.headers["Content-Disposition"] == 'attachment; filename="venues.geojson"'
    assert json.loads(response.get_data())["type"] == "FeatureCollection"


def room_filter(client, url: str) -> dict[str, list[str]]:
    """Return the schedule's room filter as a visitor reads it: {venue: [its rooms]}."""
    doc = lxml.html.fromstring(client.get(url).get_data(as_text=True))
    return {
        group.get("label"): [o.text_content() for o in group.xpath("option")]
        for group in doc.xpath("//select[@id='filter-room']/optgroup")
    }


def test_the_schedule_and_a_search_offer_the_rooms_where_a_save_put_them(organiser):
    client, token = organiser
    for url in ("/schedule?lang=en", "/schedule?lang=en&q=auditorium"):
        assert "7F Auditorium" in room_filter(client, url)["KINS Tower"]
    edits = edits_from(page_data(client))
    venue(edits, "kins-tower")["rooms"].remove("kins-7f-auditorium")
    venue(edits, "healthcare-innovation-park")["rooms"].append("kins-7f-auditorium")
    assert client.post("/staff/venues/", json=edits, headers={"X-CSRFToken": token}).get_json()["saved"]
    # A page at the new seq (its filters otherwise the same as before) offers the room at its new venue.
    for url in (
        "/schedule?lang=en",
        "/schedule?lang=en&q=auditorium",
        "/schedule?lang=en&q=auditorium&page=2",
    ):
        rooms = room_filter(client, url)
        assert "7F Auditorium" not in rooms["KINS Tower"], url
        assert "7F Auditorium" in rooms["Healthcare Innovation Park"], url
