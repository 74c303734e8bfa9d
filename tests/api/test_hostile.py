"""Hostile requests to the JSON API: each is refused with {"error", "message"} and a 4xx, never a 5xx."""

import json

import pytest

from webapp.staff.accounts import create_staff, issue_token

MOVE = {"kind": "move", "session": "gmp-audit", "room": "kins-7f-meeting-room"}
DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def bearer(app):
    """Headers carrying a staff member's bearer token."""
    with app.app_context():
        create_staff("alice", "correct horse battery staple")
        return {"Authorization": f"Bearer {issue_token('alice')}"}


def post_raw(client, body: str, headers):
    return client.post("/api/changes", data=body, headers=headers, content_type="application/json")


def assert_refused(response, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"]
    return body


@pytest.mark.parametrize(
    "body",
    [
        # A lone surrogate: valid JSON, but not text that can be stored or sent as UTF-8.
        '{"kind": "cancel", "session": "\\ud800"}',
        '{"kind": "cancel", "session": "gmp-audit", "reason": "\\ud800"}',
        '{"kind": "announce", "text": {"en": "a\\ud800b"}, "expires_in_minutes": 5}',
        '{"kind": "\\ud800"}',
        # Integers beyond 64 bits.
        json.dumps({"kind": "undo", "seq": 2**70}),
        json.dumps({**MOVE, "expected_version": 2**70}),
        json.dumps({"kind": "retract", "announcement": -(2**80)}),
        json.dumps({"kind": "announce", "text": {"en": "x"}, "expires_in_minutes": 2**65}),
        json.dumps({"kind": "retime", "session": "gmp-audit", "delay_minutes": 2**64}),
        # Nesting 1,000 deep, as the body and inside it.
        DEEP,
        '{"kind": "announce", "text": ' + DEEP + ', "expires_in_minutes": 5}',
        # Fields of the wrong type.
        json.dumps({"kind": ["move"], "session": "gmp-audit"}),
        json.dumps({"kind": {"move": 1}}),
        json.dumps({**MOVE, "venue": ["kins-tower"]}),
        json.dumps({"kind": "announce", "text": {"en": "x"}, "venue": {"id": 1}, "expires_in_minutes": 5}),
        json.dumps({"kind": "retime", "session": "gmp-audit", "delay_minutes": True}),
        json.dumps({"kind": "retime", "session": "gmp-audit", "delay_minutes": "15"}),
        # Not a change at all.
        "[]",
        "42",
        "null",
        "{",
        "",
    ],
)
def test_hostile_change_bodies_get_400(client, bearer, body):
    assert_refused(post_raw(client, body, bearer))


def test_nothing_hostile_is_written(client, bearer):
    for body in ('{"kind": "cancel", "session": "gmp-audit", "reason": "\\ud800"}', DEEP):
        post_raw(client, body, bearer)
    assert client.get("/api/changes").get_json()["seq"] == 0


@pytest.mark.parametrize("when", ["9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00"])
def test_retime_outside_the_event_is_refused(client, bearer, when):
    body = {"kind": "retime", "session": "gmp-audit", "start": when, "end": when.replace("T23", "T23")}
    body["end"] = when[:11] + "23:59:00+00:00"
    body["start"] = when[:11] + "00:00:00+00:00"
    refused = assert_refused(client.post("/api/changes", json=body, headers=bearer))
    assert "within the event's days" in refused["message"]
    assert client.get("/api/sessions").status_code == 200


def test_retime_a_day_after_the_event_still_works(client, bearer):
    body = {"kind": "retime", "session": "gmp-audit", "delay_minutes": 1440}
    assert client.post("/api/changes", json=body, headers=bearer).status_code == 201


@pytest.mark.parametrize(
    "query",
    [
        "since=-1",
        "since=abc",
        "since=1.5",
        "since=" + "9" * 5000,
        f"since={2**70}",
        "since=1&since=2",
        "since=%ED%A0%80",
        "limit=0",
        "limit=1001",
    ],
)
def test_bad_since_or_limit_gets_400(client, query):
    assert_refused(client.get(f"/api/changes?{query}"))


def test_since_after_the_head_gets_400_naming_the_head(client):
    body = assert_refused(client.get("/api/changes?since=5"))
    assert "after the last change, 0" in body["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/sessions?venue=kins-tower&venue=gravity-pangyo",
        "/api/sessions?venue=%ED%A0%80",
        "/api/sessions?day=" + "9" * 5000,
        f"/api/sessions?offset={2**70}",
        "/api/travel?from=kins-tower&to=%00",
        "/api/travel?from=kins-tower",
        "/api/agenda?ids=a,,b",
        "/api/agenda?lat=1e400&lon=0",
        "/api/agenda?lat=37.3",
        "/api/sessions.geojson?limit=-1",
    ],
)
def test_hostile_queries_get_400(client, url):
    assert_refused(client.get(url))


def test_unknown_ids_in_paths_get_404(client):
    for url in (
        "/api/sessions/%ED%A0%80",
        "/api/sessions/" + "x" * 5000,
        "/api/travel?from=moon&to=kins-tower",
    ):
        assert_refused(client.get(url), 404)


def test_a_body_over_64_kib_gets_413_with_the_error_shape(client, bearer):
    big = json.dumps({**MOVE, "pad": "x" * 70_000})
    body = assert_refused(post_raw(client, big, bearer), 413)
    assert body["error"] == "request_entity_too_large"


def test_a_login_over_64_kib_gets_413(client):
    response = client.post("/login", data={"name": "a", "password": "x" * 70_000})
    assert response.status_code == 413


def test_sessions_come_a_page_at_a_time(client):
    everything = client.get("/api/sessions").get_json()
    page = client.get("/api/sessions?offset=2&limit=3").get_json()
    assert page["count"] == everything["count"] and page["offset"] == 2
    assert [s["id"] for s in page["sessions"]] == [s["id"] for s in everything["sessions"][2:5]]


def test_changes_come_a_page_at_a_time(client, bearer):
    client.post("/api/changes", json=MOVE, headers=bearer)
    client.post("/api/changes", json={"kind": "cancel", "session": "ivd-panel"}, headers=bearer)
    first = client.get("/api/changes?limit=1").get_json()
    assert [c["seq"] for c in first["changes"]] == [1] and first["more"] is True
    rest = client.get("/api/changes?since=1&limit=1").get_json()
    assert [c["seq"] for c in rest["changes"]] == [2] and rest["more"] is False


def test_attendees_do_not_get_the_staff_name_and_staff_do(client, bearer):
    created = client.post("/api/changes", json=MOVE, headers=bearer).get_json()
    assert created["by"] == "alice"
    anonymous = client.get("/api/changes").get_json()["changes"]
    assert anonymous and all("by" not in c for c in anonymous)
    assert "alice" not in client.get("/api/changes").get_data(as_text=True)
    staff = client.get("/api/changes", headers=bearer).get_json()["changes"]
    assert [c["by"] for c in staff] == ["alice"]
