"""/api/travel and /api/agenda: the travel service's answers, and refusals in the one error shape."""

import pytest


def test_api_travel_answers_distance_time_method_and_hint(client):
    response = client.get("/api/travel?from=gravity-pangyo&to=kins-tower")
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] == "gravity-pangyo" and body["to"] == "kins-tower"
    assert body["distance_m"] == pytest.approx(3070, rel=0.02)
    assert body["walking_minutes"] == 50
    assert body["method"]["detour_factor"] == 1.3 and body["method"]["speed_kmh"] == 4.8
    assert "Jeongja" in body["transit_hint"]["en"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=gravity-pangyo&to=moon", 404),
        ("from=nowhere&to=kins-tower", 404),
        ("from=gravity-pangyo", 400),
        ("to=kins-tower", 400),
        ("", 400),
    ],
)
def test_api_travel_refuses_unknown_and_missing_venues(client, query, status):
    response = client.get(f"/api/travel?{query}")
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"]


IMPOSSIBLE = "medical-data-hospitals,kosmi-generative-ai,kosmi-clinical-ai-validation"


def test_api_agenda_returns_the_plan_with_the_sessions(client):
    response = client.get(f"/api/agenda?ids={IMPOSSIBLE},nope&at=2023-11-29T12:00")
    assert response.status_code == 200
    body = response.get_json()
    order = [i["session"] for d in body["days"] for i in d["items"]]
    assert order == ["kosmi-clinical-ai-validation", "medical-data-hospitals", "kosmi-generative-ai"]
    assert set(body["sessions"]) == set(order) and body["unknown"] == ["nope"]
    assert body["sessions"]["medical-data-hospitals"]["title"]["en"].startswith("Medical-data hub")
    assert body["warnings"] == 1  # the two 13:00 sessions overlap; 14:30 KINS -> 15:00 HIP is fine
    assert body["next"]["session"] == "kosmi-clinical-ai-validation"


def test_api_agenda_with_a_position_gives_a_leave_by(client):
    body = client.get(
        "/api/agenda?ids=kosmi-generative-ai&at=2023-11-29T14:00&lat=37.3948&lon=127.1112"
    ).get_json()
    nxt = body["next"]
    assert nxt["origin"] == "position" and nxt["walking_minutes"] > 60  # Pangyo station to HIP
    assert nxt["leave_by"] < nxt["start"]


@pytest.mark.parametrize(
    "query",
    [
        "ids=a,<b>",
        "ids=" + ",".join(f"s{i}" for i in range(101)),
        "ids=a&lat=37",
        "ids=a&lat=x&lon=1",
        "ids=a&lat=95&lon=1",
    ],
)
def test_api_agenda_refuses_malformed_ids_and_positions(client, query):
    response = client.get(f"/api/agenda?{query}")
    assert response.status_code == 400
    assert set(response.get_json()) == {"error", "message"}


def test_api_agenda_with_no_ids_is_an_empty_plan(client):
    body = client.get("/api/agenda").get_json()
    assert body["days"] == [] and body["next"] is None and body["warnings"] == 0
