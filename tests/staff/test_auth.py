"""Only staff change the program: sign-in, sign-out, rate limits, CSRF, bearer tokens, the command line."""

import math
import re
import time

import pytest
from werkzeug.security import generate_password_hash

from webapp.extensions import db
from webapp.live.log import head_seq
from webapp.models import Staff
from webapp.staff import accounts
from webapp.staff.accounts import (
    AccountError,
    check_login,
    create_staff,
    get_staff,
    issue_token,
    revoke_tokens,
    set_password,
)

# The app's own password hashes here (its cost is what some of these tests check); fast_hashes where not.
pytestmark = pytest.mark.real_password_hashes

PASSWORD = "correct horse battery"
MOVE = {"kind": "move", "session": "gmp-audit", "room": "kins-7f-meeting-room"}


@pytest.fixture
def fast_hashes(monkeypatch):
    """Cheap scrypt for the rate-limit tests: ten slow checks on a loaded machine can outlast a minute's window."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")
    accounts._dummy_hash.cache_clear()
    yield
    accounts._dummy_hash.cache_clear()


@pytest.fixture
def alice_on():
    """Return a callable that creates staff member 'alice' on an app and returns the app."""

    def _create(app):
        with app.app_context():
            create_staff("alice", PASSWORD)
        return app

    return _create


@pytest.fixture
def alice(app, alice_on):
    alice_on(app)
    return "alice"


def csrf_from(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def meta_csrf(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, name=None, password=PASSWORD, address=None):
    """Post the login form (from address, through a trusted proxy, when given); return the answer and the
    CSRF token to use next: the console's after a sign-in (the session is new), the form's otherwise."""
    headers = {"X-Forwarded-For": address} if address else {}
    token = csrf_from(client.get("/login?lang=en", headers=headers).get_data(as_text=True))
    data = {"name": name, "password": password, "csrf_token": token}
    response = client.post("/login?lang=en", data=data, headers=headers)
    if response.status_code == 302:
        token = meta_csrf(client.get("/staff/").get_data(as_text=True))
    return response, token


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def test_no_default_account_and_login_says_how_to_create_one(client):
    answer = client.get("/login")
    assert answer.status_code == 200 and "flask --app webapp staff create NAME" in answer.get_data(
        as_text=True
    )
    assert client.post("/login", data={"name": "admin", "password": "admin"}).status_code == 400


def test_passwords_are_hashed_and_must_be_long(app):
    with app.app_context():
        staff = create_staff("bob", PASSWORD)
        assert PASSWORD not in staff.password_hash and staff.password_hash.startswith("scrypt:32768:8:1$")
        with pytest.raises(AccountError, match="at least 12"):
            create_staff("carol", "short")
        # One the sign-in form would refuse: such an account could never sign in.
        with pytest.raises(AccountError, match="at most 200"):
            create_staff("carol", "x" * 201)
        create_staff("dave", "x" * 200)
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


def test_wrong_passwords_from_one_address_are_rate_limited_with_retry_after(make_app, fast_hashes, alice_on):
    client = alice_on(make_app(TRUSTED_PROXIES=1)).test_client()
    names = ["alice", "bob", "carol", "dana", "erin", "frank", "gus", "hana", "ivan", "jun"]
    started = time.time()
    statuses = [
        login(client, name, "wrong password!!", address="198.51.100.7")[0].status_code for name in names
    ]
    refused, _ = login(client, "alice", address="198.51.100.7")
    taken = time.time() - started
    assert statuses == [401] * 10 and refused.status_code == 429
    # The minute's window opened with the first failure, after started: what is left of it, not a token second.
    assert 60 - taken <= int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert "Too many failed sign-ins. Try again in 1 min." in page
    assert "staff create NAME" not in page  # accounts exist: the refusal does not say how to make the first
    # Behind the proxy, everyone else keeps their own address and signs in.
    assert login(client, "alice", address="203.0.113.20")[0].status_code == 302


def test_wrong_passwords_for_one_account_lock_only_that_account_at_that_address(
    make_app, fast_hashes, alice_on
):
    client = alice_on(make_app(TRUSTED_PROXIES=1)).test_client()
    statuses = [
        login(client, "alice", "wrong password!!", address="198.51.100.7")[0].status_code for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    assert login(client, "bob", "wrong password!!", address="198.51.100.7")[0].status_code == 401
    assert login(client, "alice", address="203.0.113.20")[0].status_code == 302


def test_right_passwords_never_use_up_the_limit(fast_hashes, client, alice):
    statuses = [login(client, alice)[0].status_code for _ in range(15)]
    assert statuses == [302] * 15


def test_without_trusted_proxies_forwarded_for_is_ignored(fast_hashes, client, alice):
    for n in range(10):
        login(client, f"user{n}", "wrong password!!", address=f"198.51.100.{n}")
    assert login(client, "bob", "wrong password!!", address="203.0.113.1")[0].status_code == 429


def test_sign_out_ends_every_copy_of_the_session_cookie(app, client, alice):
    _, token = login(client, alice)
    stolen = cookie_of(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/staff/").status_code == 302
    posted = replay.post("/api/changes", json=MOVE, headers={"X-CSRFToken": token})
    assert posted.status_code == 401
    with app.app_context():
        assert head_seq() == 0


def test_a_new_password_ends_every_session(app, client, alice):
    _, token = login(client, alice)
    with app.app_context():
        set_password(alice, "another long password")
    assert client.get("/staff/").status_code == 302
    assert client.post("/api/changes", json=MOVE, headers={"X-CSRFToken": token}).status_code == 401
    assert login(app.test_client(), alice, "another long password")[0].status_code == 302


def test_signing_in_starts_a_new_session(client, alice):
    before = csrf_from(client.get("/login").get_data(as_text=True))
    cookie_before = cookie_of(client)
    login(client, alice)
    assert cookie_of(client) != cookie_before
    # A CSRF token planted in the session before sign-in is worthless afterwards.
    assert client.post("/api/changes", json=MOVE, headers={"X-CSRFToken": before}).status_code == 400


def test_the_first_requests_after_sign_in_share_one_csrf_token(app, alice):
    # Two requests sent at once with the cookie sign-in set (a page and a service worker's fetch, say):
    # both pages must carry tokens of one session, whichever cookie the browser keeps last.
    client = app.test_client()
    form = csrf_from(client.get("/login").get_data(as_text=True))
    signed_in = client.post("/login", data={"name": alice, "password": PASSWORD, "csrf_token": form})
    assert signed_in.status_code == 302
    first, second = app.test_client(), app.test_client()
    for other in (first, second):
        other.set_cookie("session", cookie_of(client))
    token = meta_csrf(first.get("/staff/").get_data(as_text=True))
    second.get("/staff/log")
    first.set_cookie("session", cookie_of(second))  # the later answer's cookie wins in the browser
    assert first.post("/api/changes", json=MOVE, headers={"X-CSRFToken": token}).status_code == 201


def test_a_wrong_name_costs_one_hash_check_like_a_wrong_password(app, alice, monkeypatch):
    checked = []
    real = accounts.check_password_hash
    accounts._dummy_hash()  # made once per process, not per attempt: after this, nothing is hashed anew
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    monkeypatch.setattr(accounts, "generate_password_hash", lambda *a, **k: pytest.fail("hashed anew"))
    with app.app_context():
        assert check_login("nobody", PASSWORD) is None and check_login(alice, "wrong password!!") is None
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0] == "scrypt:32768:8:1"


def test_an_old_pbkdf2_hash_is_upgraded_at_sign_in(app, alice):
    with app.app_context():
        get_staff(alice).password_hash = generate_password_hash(PASSWORD, method="pbkdf2")
        db.session.commit()
        assert check_login(alice, PASSWORD) is not None
        assert get_staff(alice).password_hash.startswith("scrypt:32768:8:1$")


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


# --- A shared address (the venue Wi-Fi) must not let an attacker lock staff out --------------------------

VENUE_WIFI = "198.51.100.7"


def use_up_the_limits(app, name="alice"):
    """Fail sign-ins from the venue's address as an attacker without a device cookie: for name, and others."""
    attacker = app.test_client()
    statuses = [
        login(attacker, name, "wrong password!!", address=VENUE_WIFI)[0].status_code for _ in range(6)
    ]
    statuses += [
        login(attacker, f"guess{n}", "wrong password!!", address=VENUE_WIFI)[0].status_code for n in range(6)
    ]
    assert 429 in statuses[:6] and statuses[-1] == 429  # the account and the address are both used up
    return attacker


def phone_that_signed_in(app, name="alice"):
    """Return a client that signed in as name from the venue's address (earning a device cookie), then out."""
    phone = app.test_client()
    response, token = login(phone, name, address=VENUE_WIFI)
    assert response.status_code == 302
    assert (
        phone.post("/logout", data={"csrf_token": token}, headers={"X-Forwarded-For": VENUE_WIFI}).status_code
        == 302
    )
    return phone


def test_an_attacker_on_the_same_address_cannot_lock_out_a_phone_that_signed_in_before(
    make_app, fast_hashes, alice_on
):
    app = alice_on(make_app(TRUSTED_PROXIES=1))
    phone = phone_that_signed_in(app)
    use_up_the_limits(app)
    # Before device cookies this was a 429: everyone at the venue shares the attacker's address.
    assert login(phone, "alice", address=VENUE_WIFI)[0].status_code == 302


def test_guessing_stays_slow_for_browsers_without_a_device_cookie(make_app, fast_hashes, alice_on):
    app = alice_on(make_app(TRUSTED_PROXIES=1))
    use_up_the_limits(app)
    # A new phone with the right password waits (or uses a one-time link): the limit is what slows guessing.
    refused, _ = login(app.test_client(), "alice", address=VENUE_WIFI)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "one-time sign-in link" in page
    # A forged device cookie is no device cookie.
    forged = app.test_client()
    forged.set_cookie("vl_device", "eyJhY2NvdW50IjoiYWxpY2UifQ.forged.signature", path="/login")
    assert login(forged, "alice", address=VENUE_WIFI)[0].status_code == 429


def test_a_device_cookie_vouches_only_for_the_account_that_earned_it(make_app, fast_hashes, alice_on):
    app = alice_on(make_app(TRUSTED_PROXIES=1))
    with app.app_context():
        create_staff("bob", PASSWORD)
    bobs_phone = phone_that_signed_in(app, "bob")
    use_up_the_limits(app, "alice")
    assert login(bobs_phone, "alice", address=VENUE_WIFI)[0].status_code == 429
    assert login(bobs_phone, "bob", address=VENUE_WIFI)[0].status_code == 302


def test_a_devices_own_failures_lock_only_that_device(make_app, fast_hashes, alice_on):
    app = alice_on(make_app(TRUSTED_PROXIES=1))
    lost_phone, own_phone = phone_that_signed_in(app), phone_that_signed_in(app)
    statuses = [
        login(lost_phone, "alice", "wrong password!!", address=VENUE_WIFI)[0].status_code for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    assert login(lost_phone, "alice", address=VENUE_WIFI)[0].status_code == 429
    assert login(own_phone, "alice", address=VENUE_WIFI)[0].status_code == 302


def test_the_device_cookie_is_httponly_strict_and_only_sent_to_sign_in(client, alice):
    response, _ = login(client, alice)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("vl_device="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/login" in cookie


def test_a_name_over_80_or_on_two_lines_or_a_password_over_200_is_refused_by_the_form_and_never_checked(
    client, alice
):
    # At the limits the form lets them through to the check (a wrong password: 401).
    assert login(client, "a" * 80, "p" * 200)[0].status_code == 401
    for name, password, reason in (
        ("a" * 81, PASSWORD, "Name: Field cannot be longer than 80 characters."),
        (alice + "\nbob", PASSWORD, "Name: Use letters, digits and punctuation only, on one line."),
        (alice, "p" * 201, "Password: Field cannot be longer than 200 characters."),
    ):
        response, _ = login(client, name, password)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and reason in page
        assert "Wrong name or password" not in page


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/staff/log", "/staff/log"),
        ("//evil.example/staff", "/staff/"),
        ("https://evil.example/", "/staff/"),
        ("/\\evil.example", "/staff/"),
        ("staff/log", "/staff/"),
    ],
)
def test_sign_in_goes_on_to_a_page_of_this_site_only(client, alice, target, lands_on):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"name": alice, "password": PASSWORD, "csrf_token": token}
    signed = client.post("/login", query_string={"next": target}, data=data)
    assert signed.status_code == 302 and signed.headers["Location"] == lands_on


def test_an_organisers_page_is_refused_to_staff_and_sends_anonymous_callers_to_sign_in(app, client, alice):
    assert client.get("/staff/accounts/").headers["Location"].startswith("/login?next=")
    login(client, alice)
    refused = client.get("/staff/accounts/?lang=en")
    assert refused.status_code == 403 and "Only an organiser may do this" in refused.get_data(as_text=True)
    assert client.get("/staff/").status_code == 200  # a staff member's own pages
    with app.app_context():
        create_staff("olga", PASSWORD, "organiser")
    organiser = app.test_client()
    login(organiser, "olga")
    assert organiser.get("/staff/accounts/").status_code == 200


def test_a_hundred_failures_for_one_account_from_as_many_addresses_lock_that_account_an_hour(
    make_app, fast_hashes, alice_on
):
    client = alice_on(make_app(TRUSTED_PROXIES=1)).test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))

    def attempt(name: str, address: str) -> int:
        data = {"name": name, "password": "wrong password!!", "csrf_token": token}
        return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code

    statuses = {attempt("alice", f"198.51.{n // 200}.{n % 200 + 1}") for n in range(100)}
    assert statuses == {401}  # no address is over its own limits
    refused = client.post(
        "/login?lang=en",
        data={"name": "alice", "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    wait = int(refused.headers["Retry-After"])
    assert refused.status_code == 429 and wait > 60  # the hour's window
    # The page says the same wait, in minutes (rounded up).
    assert f"Try again in {math.ceil(wait / 60)} min." in refused.get_data(as_text=True)
    assert attempt("bob", "203.0.113.9") == 401  # another account, from the same new address


def test_signing_out_when_not_signed_in_goes_to_the_sign_in_page(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
