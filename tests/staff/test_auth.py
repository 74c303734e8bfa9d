"""Only staff change the program: sign-in, CSRF, bearer tokens, the command line."""

import re

import pytest

from webapp.extensions import db
from webapp.live.changes import head_seq
from webapp.models import Staff
from webapp.staff.accounts import AccountError, create_staff, issue_token, revoke_tokens

PASSWORD = "correct horse battery"
MOVE = {"kind": "move", "session": "gmp-audit", "room": "kins-7f-meeting-room"}


@pytest.fixture
def alice(app):
    with app.app_context():
        create_staff("alice", PASSWORD)
    return "alice"


def csrf_from(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def login(client, name=None, password=PASSWORD):
    token = csrf_from(client.get("/login?lang=en").get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token}), token


def test_no_default_account_and_login_says_how_to_create_one(client):
    page = client.get("/login").get_data(as_text=True)
    assert "flask --app webapp staff create NAME" in page
    assert client.post("/login", data={"name": "admin", "password": "admin"}).status_code == 400


def test_passwords_are_hashed_and_must_be_long(app):
    with app.app_context():
        staff = create_staff("bob", PASSWORD)
        assert PASSWORD not in staff.password_hash and staff.password_hash.startswith(("scrypt:", "pbkdf2:"))
        with pytest.raises(AccountError, match="at least 12"):
            create_staff("carol", "short")
        with pytest.raises(AccountError, match="already"):
            create_staff("bob", PASSWORD)


def test_anonymous_cannot_post_a_change(client):
    response = client.post("/api/changes", json=MOVE)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_signed_in_staff_without_csrf_token_get_400(client, alice):
    login(client, alice)
    response = client.post("/api/changes", json=MOVE)
    assert response.status_code == 400
    with client.application.app_context():
        assert head_seq() == 0


def test_signed_in_staff_with_csrf_token_can_change(client, alice):
    response, token = login(client, alice)
    assert response.status_code == 302
    response = client.post("/api/changes", json=MOVE, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert response.get_json()["by"] == "alice" and response.get_json()["seq"] == 1


def test_wrong_password_is_refused(client, alice):
    response, _ = login(client, alice, password="wrong password!!")
    assert response.status_code == 401 and "Wrong name or password" in response.get_data(as_text=True)


def test_login_is_rate_limited(client, alice):
    statuses = [login(client, alice, password="wrong password!!")[0].status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def test_session_cookie_is_httponly_and_samesite(client, alice):
    response, _ = login(client, alice)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_bearer_token_works_and_revoked_token_does_not(app, client, alice):
    with app.app_context():
        token = issue_token(alice)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/changes", json=MOVE, headers=headers).status_code == 201
    with app.app_context():
        assert revoke_tokens(alice) == 1
    again = client.post("/api/changes", json={**MOVE, "room": "hip-future-hall"}, headers=headers)
    assert again.status_code == 401 and "revoked" in again.get_json()["message"]
    bogus = client.post("/api/changes", json=MOVE, headers={"Authorization": "Bearer vl_nope"})
    assert bogus.status_code == 401


def test_bad_change_gets_error_and_message(app, client, alice):
    with app.app_context():
        headers = {"Authorization": f"Bearer {issue_token(alice)}"}
    response = client.post("/api/changes", json={"kind": "move", "session": "gmp-audit"}, headers=headers)
    assert response.status_code == 400 and set(response.get_json()) == {"error", "message"}
    response = client.post("/api/changes", data="not json", headers=headers)
    assert response.status_code == 400
    stale = client.post("/api/changes", json={**MOVE, "expected_version": 0}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["current"]["room"] == "training-center-lecture-room"


def test_changes_polling_with_etag(app, client, alice):
    with app.app_context():
        headers = {"Authorization": f"Bearer {issue_token(alice)}"}
    client.post("/api/changes", json=MOVE, headers=headers)
    response = client.get("/api/changes?since=0")
    body = response.get_json()
    assert body["seq"] == 1 and [c["kind"] for c in body["changes"]] == ["move"]
    assert (
        client.get("/api/changes?since=0", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/api/changes?since=x").status_code == 400


def test_staff_commands(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["staff", "create", "dana"], input="a very long password\n")
    assert created.exit_code == 0 and "Created staff account 'dana'" in created.output
    generated = runner.invoke(args=["staff", "create", "erin"], input="")
    assert "Password (shown once" in generated.output
    token = runner.invoke(args=["staff", "token", "dana"]).output.strip()
    assert token.startswith("vl_")
    assert "Revoked 1 token" in runner.invoke(args=["staff", "revoke-tokens", "dana"]).output
    assert runner.invoke(args=["staff", "token", "nobody"]).exit_code != 0
    with app.app_context():
        assert db.session.query(Staff).count() == 2
