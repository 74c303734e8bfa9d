"""Sessions as GeoJSON points at their venues, filtered like the sessions API."""

import pytest

from tests.exports.conftest import ONLINE_ONLY, SESSION_COUNT


def test_sessions_geojson_puts_sessions_at_their_venue(client):
    response = client.get("/api/sessions.geojson")
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == SESSION_COUNT
    features = {f["id"]: f for f in body["features"]}
    clinic = features["north-america-clinic"]
    assert clinic["geometry"] == {"type": "Point", "coordinates": [127.1067124, 37.365979]}
    assert clinic["properties"]["room"] == "kins-7f-meeting-room"
    assert clinic["properties"]["start"] == "2023-11-30T15:00:00+09:00"
    assert features[ONLINE_ONLY]["geometry"] is None


def test_sessions_geojson_filters_like_the_sessions_api(client):
    body = client.get("/api/sessions.geojson?day=2023-11-30&venue=kins-tower").get_json()
    assert body["features"]
    assert {f["properties"]["venue"] for f in body["features"]} == {"kins-tower"}
    assert all(f["properties"]["start"].startswith("2023-11-30") for f in body["features"])
    keynotes = client.get("/api/sessions.geojson?track=keynote").get_json()["features"]
    assert {f["id"] for f in keynotes} == {"keynote-park-hyun-young", "keynote-ohno-machado"}


@pytest.mark.parametrize("query", ["day=tomorrow", "venue=moon", "track=nope"])
def test_sessions_geojson_bad_filter_is_400_json(client, query):
    response = client.get(f"/api/sessions.geojson?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == "bad_filter"
