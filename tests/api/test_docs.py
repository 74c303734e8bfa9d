"""The OpenAPI description: valid, lists every route, the docs page shows it, examples answer as it says.

Fuzzing against it is in test_fuzz.py.
"""

import pytest
import schemathesis
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from webapp.api.spec import openapi_path
from webapp.staff.accounts import create_staff, issue_token
from webapp.web.errors import JSON_PREFIXES

# The WSGI transport hands back the bytes as sent: ask for them uncompressed (Flask-Compress).
PLAIN = {"Accept-Encoding": "identity"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


@pytest.fixture
def api_schema(app, spec):
    """The spec loaded by schemathesis, calling the app over WSGI."""
    loaded = schemathesis.openapi.from_dict(spec)
    loaded.app = app
    return loaded


@pytest.fixture
def token(app):
    """A bearer token for a staff member."""
    with app.app_context():
        create_staff("alice", "correct horse battery staple")
        return issue_token("alice")


def json_routes(app) -> dict[str, set[str]]:
    """Return {OpenAPI path: methods} for every JSON route the app answers: /api/ and /push/."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and rule.rule.startswith(JSON_PREFIXES):
            methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
            routes.setdefault(openapi_path(rule.rule), set()).update(methods)
    return routes


def test_flask_rules_become_openapi_paths():
    assert openapi_path("/api/sessions/<session_id>") == "/api/sessions/{session_id}"
    assert openapi_path("/api/a/<int:seq>/<path:rest>") == "/api/a/{seq}/{rest}"


def test_spec_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)
    assert spec["servers"] == [{"url": "/"}]


def test_spec_lists_every_json_route_with_its_methods_and_nothing_else(app, spec):
    documented = {path: set(item) for path, item in spec["paths"].items()}
    assert documented == json_routes(app)
    assert {"/api/changes", "/push/subscriptions"} <= set(documented)


def test_push_writes_are_for_this_sites_pages_and_show_how(client, spec):
    for method in ("post", "delete"):
        operation = spec["paths"]["/push/subscriptions"][method]
        assert operation["security"] == [{"pageOrigin": []}]
        assert {"400", "403", "415", "429"} <= set(operation["responses"])
    assert spec["components"]["securitySchemes"]["pageOrigin"]["name"] == "Origin"
    page = client.get("/api/docs?lang=en").get_data(as_text=True)
    assert "curl -X DELETE -H &#39;Origin: http://localhost&#39;" in page


def test_spec_is_json_with_an_etag_and_answers_304(client):
    first = client.get("/api/openapi.json")
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.headers["ETag"] and first.cache_control.public and first.cache_control.max_age
    again = client.get("/api/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_post_change_is_secured_and_takes_every_kind(spec):
    operation = spec["paths"]["/api/changes"]["post"]
    assert operation["security"] == [{"bearerAuth": []}, {"cookieSession": [], "csrfToken": []}]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["csrfToken"]["name"] == "X-CSRFToken" and schemes["csrfToken"]["in"] == "header"
    assert set(operation["responses"]) == {"201", "400", "401", "404", "409"}
    mapping = spec["components"]["schemas"]["NewChange"]["discriminator"]["mapping"]
    assert set(mapping) == {
        "move", "retime", "cancel", "restore", "room_status", "stream_status", "announce", "retract", "undo",
        "add",
    }  # fmt: skip


def test_docs_page_lists_every_operation_with_an_example(app, client, spec):
    response = client.get("/api/docs?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    shown = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert f'id="{operation["operationId"]}"' in page
            assert f"{method.upper()} {path}" in page
            for parameter in operation.get("parameters", []):
                assert f"<code>{parameter['name']}</code>" in page
            shown.add((method, path))
    # Every operation the app answers was looked for on the page, not just those of a short spec.
    assert shown == {(method, path) for path, methods in json_routes(app).items() for method in methods}
    assert len(shown) >= 13
    assert "curl &#39;http://localhost/api/sessions/opening-ceremony&#39;" in page
    assert "Authorization: Bearer $TOKEN" in page
    assert 'id="schema-NewChange"' in page and 'id="schema-Session"' in page
    assert "cdn" not in page.lower()


def test_every_documented_example_answers_200_as_the_spec_says(app, api_schema):
    """The docs page's example values are real ids: each GET with all of them answers 200, as documented."""
    called = set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue
        values = {"path": {}, "query": {}}
        for parameter in operation.definition.raw.get("parameters", []):
            values[parameter["in"]][parameter["name"]] = parameter["example"]
        case = operation.Case(path_parameters=values["path"], query=values["query"], headers=dict(PLAIN))
        response = case.call()
        assert response.status_code == 200, (operation.label, response.text)
        case.validate_response(response, checks=CHECKS, headers=PLAIN)
        called.add(operation.path)
    # Each GET route the app has was called, with its parameters (a session id among them).
    assert called == {path for path, methods in json_routes(app).items() if "get" in methods}
    assert "/api/sessions/{session_id}" in called


def _call(api_schema, body, headers=None):
    case = api_schema["/api/changes"]["POST"].Case(body=body, headers={**PLAIN, **(headers or {})})
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    return response


def test_post_change_answers_as_the_spec_says(api_schema, token):
    bearer = {"Authorization": f"Bearer {token}"}
    move = {"kind": "move", "session": "dentistry-industry", "room": "kins-7f-auditorium"}
    assert _call(api_schema, move).status_code == 401
    assert _call(api_schema, move, {"Authorization": "Bearer wrong"}).status_code == 401
    clash = _call(api_schema, {**move, "expected_version": 1}, bearer)
    assert clash.status_code == 409 and clash.json()["error"] == "clash"
    assert [c["session"] for c in clash.json()["clashes"]] == ["medical-data-panel"]
    created = _call(api_schema, {**move, "expected_version": 1, "allow_clash": True}, bearer)
    assert created.status_code == 201 and created.json()["kind"] == "move"
    stale = _call(api_schema, {**move, "kind": "cancel", "expected_version": 1}, bearer)
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 2
    assert _call(api_schema, {**move, "session": "nope"}, bearer).status_code == 404
    room_open = {"kind": "room_status", "room": "kins-7f-auditorium", "status": "open"}
    assert _call(api_schema, room_open, bearer).status_code == 400  # already open: no change


def test_clash_answer_and_allow_clash_are_documented(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Conflict"]["properties"]["error"]["enum"] == ["conflict", "clash"]
    assert set(schemas["Clash"]["required"]) == {"session", "title", "start", "end", "venue", "room"}
    for kind in ("Move", "Retime", "Restore", "Add", "Undo"):
        assert schemas[kind]["properties"]["allow_clash"]["type"] == "boolean", kind
    for kind in ("Cancel", "SetRoomStatus", "SetStreamStatus", "Announce", "Retract"):
        assert "allow_clash" not in schemas[kind]["properties"], kind


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"kind": "move", "session": "dentistry-industry", "room": "kins-7f-auditorium"}, True),
        ({"kind": "retime", "session": "opening-ceremony", "delay_minutes": 15}, True),
        ({"kind": "retime", "session": "opening-ceremony", "start": "2023-11-29T16:30:00+09:00"}, False),
        (
            {"kind": "announce", "text": {"en": "Lunch is served"}, "venue": None, "expires_in_minutes": 60},
            True,
        ),
        ({"kind": "announce", "text": {}, "expires_in_minutes": 60}, False),
        ({"kind": "announce", "text": {"fr": "Le déjeuner est servi"}, "expires_in_minutes": 60}, False),
        ({"kind": "room_status", "room": "kins-7f-auditorium", "status": "closed"}, False),
        ({"kind": "undo", "seq": 3}, True),
        ({"kind": "move", "session": "ivd-panel", "room": "kins-7f-auditorium", "allow_clash": True}, True),
        ({"kind": "move", "session": "ivd-panel", "room": "kins-7f-auditorium", "allow_clash": "yes"}, False),
        ({"kind": "retime", "session": "ivd-panel", "delay_minutes": 5, "allow_clash": False}, True),
        ({"kind": "teleport", "session": "opening-ceremony"}, False),
    ],
)
def test_change_bodies_are_checked_by_the_request_schema(spec, body, valid):
    schema = {"$ref": "#/components/schemas/NewChange", "components": spec["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(body))
    assert (not errors) == valid, errors
