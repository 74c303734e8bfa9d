"""JSON request bodies are read strictly: UTF-8 only, no key twice (POST /api/changes and the push endpoints)."""

import json

import pytest

from webapp.live.log import head_seq
from webapp.staff.accounts import create_staff, issue_token

CANCEL = {"kind": "cancel", "session": "gmp-audit", "reason": "Speaker ill"}
PAGE = {"Origin": "http://localhost"}  # the push endpoints take bodies from this site's pages only


@pytest.fixture
def bearer(app):
    with app.app_context():
        create_staff("alice", "correct horse battery staple")
        return {"Authorization": f"Bearer {issue_token('alice')}"}


def refused(response) -> str:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message"}
    return body["message"]


TEXT = json.dumps(CANCEL)
ENCODED = [
    ("utf-16-le", TEXT.encode("utf-16-le")),
    ("utf-16-be", TEXT.encode("utf-16-be")),
    ("utf-16 with its BOM", TEXT.encode("utf-16")),
    ("utf-32", TEXT.encode("utf-32")),
    ("utf-8 with a BOM", TEXT.encode("utf-8-sig")),
    ("latin-1", json.dumps({**CANCEL, "reason": "Café"}, ensure_ascii=False).encode("latin-1")),
]


@pytest.mark.parametrize(("encoding", "raw"), ENCODED, ids=[e for e, _ in ENCODED])
def test_a_body_not_in_utf8_is_refused(app, client, bearer, encoding, raw):
    # Python's json (and so Flask's get_json) would read the UTF-16 and UTF-32 ones and apply the change.
    refused(client.post("/api/changes", data=raw, headers=bearer, content_type="application/json"))
    with app.app_context():
        assert head_seq() == 0


def test_a_charset_other_than_utf8_is_refused(client, bearer):
    content_type = "application/json; charset=utf-16"
    message = refused(client.post("/api/changes", data=TEXT, headers=bearer, content_type=content_type))
    assert "UTF-8" in message
    utf8 = client.post(
        "/api/changes", data=TEXT, headers=bearer, content_type="application/json; charset=UTF-8"
    )
    assert utf8.status_code == 201


@pytest.mark.parametrize(
    "raw",
    [
        '{"kind": "cancel", "session": "gmp-audit", "session": "ivd-panel"}',
        '{"kind": "move", "kind": "cancel", "session": "gmp-audit"}',
        '{"kind": "announce", "text": {"en": "Lunch", "en": "Evacuate"}, "expires_in_minutes": 5}',
    ],
)
def test_a_key_given_twice_is_refused_not_last_one_wins(app, client, bearer, raw):
    message = refused(client.post("/api/changes", data=raw, headers=bearer, content_type="application/json"))
    assert "twice" in message
    with app.app_context():
        assert head_seq() == 0


def test_a_lone_surrogate_is_refused_naming_where_it_is(client, bearer):
    raw = '{"kind": "announce", "text": {"en": "a\\udc00b"}, "expires_in_minutes": 5}'
    message = refused(client.post("/api/changes", data=raw, headers=bearer, content_type="application/json"))
    assert '"text.en"' in message and "lone surrogate" in message


def test_the_push_endpoints_read_bodies_the_same_way(client):
    subscription = '{"endpoint": "https://fcm.googleapis.com/fcm/send/a", "endpoint": "https://127.0.0.1/"}'
    for method in ("POST", "DELETE"):
        response = client.open(
            "/push/subscriptions",
            method=method,
            data=subscription,
            headers=PAGE,
            content_type="application/json",
        )
        assert "twice" in refused(response)
        raw = json.dumps({"endpoint": "https://fcm.googleapis.com/fcm/send/a"}).encode("utf-16")
        refused(
            client.open(
                "/push/subscriptions", method=method, data=raw, headers=PAGE, content_type="application/json"
            )
        )
