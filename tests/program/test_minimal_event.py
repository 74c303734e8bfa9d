"""An event with only what the data format requires: every route answers, no optional field is assumed.

The venues file holds one venue with a name, coordinates and one room; the program one session with the
required fields only. Every GET route of the app (the staff pages signed in) must answer without a 5xx,
and GET /api/venues must be the venues, not an error.
"""

import json
import re

import pytest

from tests.staff.test_auth import PASSWORD, login
from webapp.staff.accounts import create_staff
from webapp.staff.links import issue_link

VENUES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [13.4, 52.52]},
            "properties": {
                "id": "hall",
                "name": {"en": "DemoCon Hall"},
                "rooms": [{"id": "gray", "name": {"en": "Gray Room"}}],
            },
        }
    ],
}
PROGRAM = {
    "event": {"id": "mini", "name": {"en": "Mini"}, "short_name": {"en": "Mini"}, "timezone": "Europe/Berlin", "days": ["2020-12-14"]},
    "tracks": [{"id": "talks", "name": {"en": "Talks"}, "color": "#112233"}],
    "sessions": [
        {"id": "opening", "title": {"en": "Opening"}, "track": "talks", "start": "2020-12-14T10:00:00+01:00",
         "end": "2020-12-14T11:00:00+01:00", "venue": "hall", "room": "gray", "mode": "in_person", "provenance": "sourced"}
    ],
}  # fmt: skip
ARGS = {
    "session_id": "opening",
    "venue_id": "hall",
    "room_id": "gray",
    "name": "leaflet.js",
    "filename": "css/app.css",
    "speaker_id": "nobody",  # the event names no speaker: their pages answer 404
}
QUERIES = {"/api/travel": "?from=hall&to=hall", "/agenda.ics": "?ids=opening", "/api/agenda": "?ids=opening"}


@pytest.fixture
def minimal(make_app, tmp_path):
    (tmp_path / "venues.geojson").write_text(json.dumps(VENUES))
    (tmp_path / "program.json").write_text(json.dumps(PROGRAM))
    app = make_app(
        VENUES_FILE=str(tmp_path / "venues.geojson"),
        PROGRAM_FILE=str(tmp_path / "program.json"),
        EVENT_NOW="2020-12-14T10:30:00+01:00",
    )
    with app.app_context():
        create_staff("alice", PASSWORD, role="organiser")  # sees every staff page
        create_staff("bob", PASSWORD)
        token, _ = issue_link("bob", by="alice")  # a one-time sign-in link, still unused
    client = app.test_client()
    login(client, "alice")
    return app, client, token


def get_urls(app, token: str) -> list[str]:
    args = {**ARGS, "token": token}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: args[m.group(1)], rule.rule)
        urls.append(url + QUERIES.get(rule.rule, ""))
    return sorted(urls)


def test_every_route_answers_for_an_event_with_no_optional_field(minimal):
    app, client, token = minimal
    urls = get_urls(app, token)
    assert len(urls) > 30 and "/staff/" in urls and "/api/venues" in urls
    answers = {url: client.get(url).status_code for url in urls}
    assert [url for url, status in answers.items() if status >= 400 and "/nobody" not in url] == []
    assert {answers["/speakers/nobody"], answers["/api/speakers/nobody"]} == {404}
    assert answers["/staff/"] == answers["/staff/log"] == 200  # signed in: the staff pages themselves


def test_api_venues_lists_a_venue_without_address(minimal):
    _, client, _ = minimal
    answer = client.get("/api/venues")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [venue] = answer.get_json()["features"]
    assert venue["properties"]["name"]["en"] == "DemoCon Hall"
    assert venue["properties"].get("address") is None
    assert [r["id"] for r in venue["properties"]["rooms"]] == ["gray"]
