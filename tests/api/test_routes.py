"""The JSON API: venues as GeoJSON, sessions with filters, one error shape."""

import pytest


def test_venues_are_a_geojson_feature_collection(client):
    response = client.get("/api/venues")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    kins = next(f for f in body["features"] if f["id"] == "kins-tower")
    assert kins["geometry"] == {"type": "Point", "coordinates": [127.1067124, 37.365979]}
    assert kins["properties"]["short_name"]["ko"] == "킨스타워"
    auditorium = next(r for r in kins["properties"]["rooms"] if r["id"] == "kins-7f-auditorium")
    assert auditorium["capacity"] == 150 and auditorium["status"] == "open"
    training = next(f for f in body["features"] if f["id"] == "training-center")
    assert training["properties"]["position"] == "approximate"


def test_sessions_filter_by_day_venue_and_track(client):
    body = client.get("/api/sessions?day=2023-11-30&venue=kins-tower").get_json()
    assert body["count"] == len(body["sessions"]) > 0
    assert {s["venue"] for s in body["sessions"]} == {"kins-tower"}
    assert all(
        s["start"].startswith("2023-11-30T") and s["start"].endswith("+09:00") for s in body["sessions"]
    )
    keynotes = client.get("/api/sessions?track=keynote").get_json()["sessions"]
    assert {s["id"] for s in keynotes} == {"keynote-park-hyun-young", "keynote-ohno-machado"}


def test_one_session_in_both_languages(client):
    body = client.get("/api/sessions/opening-ceremony").get_json()
    assert body["start"] == "2023-11-29T16:00:00+09:00"
    assert body["venue"] == "gravity-pangyo" and body["provenance"] == "sourced"
    assert set(body["title"]) == {"ko", "en"}


@pytest.mark.parametrize(
    ("url", "status", "error", "words"),
    [
        ("/api/sessions/nope", 404, "not_found", "no session 'nope'"),
        ("/api/sessions?day=tomorrow", 400, "bad_filter", "day must be one of"),
        ("/api/sessions?venue=moon", 400, "bad_filter", "venue 'moon' is not known"),
        ("/api/sessions?track=nope", 400, "bad_filter", "track 'nope' is not known"),
        ("/api/sessions?track=<script>", 400, "bad_parameter", "'track' string should match pattern"),
        ("/api/sessions?limit=0", 400, "bad_parameter", "'limit' should be greater than or equal to 1"),
        ("/api/sessions?colour=red", 400, "bad_parameter", "'colour' extra inputs are not permitted"),
        ("/api/nothing-here", 404, "not_found", "not found"),
    ],
)
def test_bad_requests_get_error_and_message(client, url, status, error, words):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["error"] == error and words in body["message"]


def test_korean_is_sent_as_utf8_not_escaped(client):
    assert "킨스타워".encode() in client.get("/api/venues").data


def test_program_answers_are_built_once_until_a_change(app, client, monkeypatch):
    from webapp.api import routes
    from webapp.live.changes import apply_change

    builds, real = [], routes.list_sessions
    monkeypatch.setattr(routes, "list_sessions", lambda *a, **k: builds.append(1) or real(*a, **k))
    first = client.get("/api/sessions?day=2023-11-29")
    assert client.get("/api/sessions?day=2023-11-29").get_json() == first.get_json() and len(builds) == 1
    assert client.get("/api/sessions?day=2023-11-30").status_code == 200 and len(builds) == 2
    with app.app_context():
        apply_change({"kind": "cancel", "session": "ivd-panel"}, by="alice")
    cancelled = {s["id"]: s["status"] for s in client.get("/api/sessions").get_json()["sessions"]}
    assert cancelled["ivd-panel"] == "cancelled" and len(builds) == 3
