"""Locked doors: every route in the URL map is either listed as public or refuses whoever is not staff.

The table is built from `app.url_map` at collection time, so a new route is checked the day it is added:
anything not in PUBLIC must refuse anonymous callers, wrong and revoked bearer tokens, and (for writes)
a signed-in cookie without its CSRF token, and none of them may change anything. Every locked route
has a role in ROLES (staff: today's changes; organiser: also venues and accounts), and a staff member
without that role is refused it (403) on the server.
"""

import re

import pytest
import sqlalchemy as sa

from webapp import create_app
from webapp.extensions import db, socketio
from webapp.live import protocol
from webapp.models import Announcement, ApiToken, Change, SavedVenues, Session, SignInLink, Staff
from webapp.staff.accounts import create_staff, issue_token, revoke_tokens
from webapp.staff.links import issue_link

PASSWORD = "locked doors password"
MOVE = {"kind": "move", "session": "gmp-audit", "room": "kins-7f-meeting-room"}
READS = {"GET", "HEAD", "OPTIONS"}
# Reads anyone may make: the program, the map, the exports, the API's GETs, the sign-in form, assets.
PUBLIC = {
    ("GET", "/"), ("GET", "/schedule"), ("GET", "/sessions/<session_id>"), ("GET", "/venues/<venue_id>"),
    ("GET", "/rooms/<room_id>"), ("GET", "/live"), ("GET", "/agenda"), ("GET", "/agenda.ics"),
    ("GET", "/api/venues"), ("GET", "/speakers"), ("GET", "/speakers/<speaker_id>"), ("GET", "/api/speakers"), ("GET", "/api/speakers/<speaker_id>"), ("GET", "/api/sessions"), ("GET", "/api/sessions/<session_id>"),
    ("GET", "/api/changes"), ("GET", "/api/travel"), ("GET", "/api/agenda"), ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"), ("GET", "/api/sessions.geojson"), ("GET", "/schedule.ics"), ("GET", "/schedule.xml"),
    ("GET", "/schedule.json"), ("GET", "/static/<path:filename>"), ("GET", "/vendor/<name>"),
    ("GET", "/sw.js"), ("GET", "/manifest.webmanifest"), ("GET", "/favicon.ico"), ("GET", "/login"),
    # Health checks for load balancers (the scale-out work adds them); they say nothing about the program.
    ("GET", "/healthz"), ("GET", "/readyz"),
    # The door itself: anyone may try, but only with the form's CSRF token (checked below); a one-time
    # sign-in link is a door too (webapp/staff/links.py, tests/staff/test_links.py).
    ("POST", "/login"), ("GET", "/login/link/<token>"), ("POST", "/login/link/<token>"),
    # Web Push needs no account: a browser stores its own subscription. Writes must come from this
    # site's pages (the Origin check in webapp/push/views.py, tested in tests/push/test_views.py).
    ("GET", "/push/key"), ("POST", "/push/subscriptions"), ("DELETE", "/push/subscriptions"),
}  # fmt: skip
# Who may open each locked route. A new staff route must be given its role here.
ROLES = {
    "staff.console": "staff", "staff.recent": "staff", "staff.log": "staff", "staff.log_csv": "staff",
    "signage.signage": "staff", "api.post_change": "staff", "auth.logout": "staff",
    "accounts.accounts": "organiser", "accounts.add": "organiser", "accounts.new_link": "organiser",
    "accounts.change_role": "organiser", "accounts.change_active": "organiser", "accounts.revoke": "organiser",
    "organiser_venues.venues": "organiser", "organiser_venues.save": "organiser",
    "organiser_venues.download": "organiser",
    "held.apply": "staff", "held.ignore": "staff", "held.card": "staff",
}  # fmt: skip
SAMPLE_ARGS = {
    "speaker_id": "not-a-speaker",
    "token": "sl_not-a-real-link",
    "staff_id": "1",
    "link_id": "1",
    "session_id": "gmp-audit",
    "venue_id": "training-center",
    "room_id": "kins-7f-auditorium",
    "name": "leaflet.js",
    "filename": "css/app.css",
}


def _routes() -> list[tuple[str, str, str]]:
    """Return (method, rule, endpoint) for every route of the app; the URL map needs no database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


ROUTES = _routes()
LOCKED = [(m, r, e) for m, r, e in ROUTES if (m, r) not in PUBLIC]


def url_for_rule(rule: str) -> str:
    """Fill a rule's arguments with values that exist in the embedded event."""

    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        assert name in SAMPLE_ARGS, f"{rule}: add a sample value for <{name}> to SAMPLE_ARGS"
        return SAMPLE_ARGS[name]

    return re.sub(r"<([^>]+)>", fill, rule)


@pytest.fixture
def doors(app):
    """Organiser 'alice' (with a live and a revoked token, and an open sign-in link) and staff member 'bob'."""
    with app.app_context():
        create_staff("alice", PASSWORD, "organiser")
        create_staff("bob", PASSWORD, "staff")
        revoked = issue_token("alice")
        revoke_tokens("alice")
        live = issue_token("alice")
        issue_link("bob", by="alice")
    return {"live": live, "revoked": revoked}


def fingerprint(app) -> tuple:
    """Return everything a refused request must leave as it was."""
    with app.app_context():
        scalar = db.session.scalar
        return (
            scalar(sa.select(sa.func.count()).select_from(Change)),
            scalar(sa.select(sa.func.sum(Session.version))),
            scalar(sa.select(sa.func.count()).select_from(Announcement)),
            scalar(sa.select(sa.func.sum(Staff.session_epoch))),
            scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))),
            tuple(db.session.execute(sa.select(Staff.name, Staff.role, Staff.active).order_by(Staff.id))),
            tuple(db.session.execute(sa.select(SignInLink.id, SignInLink.used_at, SignInLink.revoked_at))),
            scalar(sa.select(sa.func.count()).select_from(SavedVenues)),
            tuple(
                db.session.execute(
                    sa.select(Session.id, Session.room_id, Session.status).order_by(Session.id)
                )
            ),
        )


def call(client, method: str, rule: str, **kwargs):
    body = {"json": MOVE} if method not in READS else {}
    return client.open(url_for_rule(rule), method=method, **body, **kwargs)


def signed_in(app, name: str = "alice"):
    """Return a client signed in as name (alice: an organiser) through the form, and the console's CSRF token."""
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert (
        client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    page = client.get("/staff/").get_data(as_text=True)
    return client, re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def assert_refused(response) -> None:
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]
    else:
        assert response.status_code in {400, 401, 403}, response.status_code


def test_every_route_is_in_the_table():
    # A route is public only by being listed; every other one is checked below, for its role too.
    assert len(ROUTES) > 25 and len(LOCKED) >= 6
    assert {e for _, _, e in LOCKED} >= {"staff.console", "staff.log", "api.post_change", "auth.logout"}
    assert {e for _, _, e in LOCKED} == set(ROLES), "give every locked route its role in ROLES"


ORGANISER_ONLY = [r for r in LOCKED if ROLES.get(r[2]) == "organiser"]


@pytest.mark.parametrize(
    ("method", "rule", "endpoint"), ORGANISER_ONLY, ids=[f"{m} {r}" for m, r, _ in ORGANISER_ONLY]
)
def test_an_organiser_route_refuses_staff_without_the_role(app, doors, method, rule, endpoint):
    client, token = signed_in(app, "bob")
    before = fingerprint(app)
    response = call(client, method, rule, headers={"X-CSRFToken": token})
    assert response.status_code == 403, response.status_code
    assert "주최자" in response.get_data(
        as_text=True
    )  # "Only an organiser may do this", in the default language
    assert fingerprint(app) == before
    # A staff member's bearer token opens no organiser door either: those pages take no tokens.
    with app.app_context():
        bearer = {"Authorization": f"Bearer {issue_token('bob')}"}
    assert_refused(call(app.test_client(), method, rule, headers=bearer))


def test_staff_without_the_organiser_role_keep_todays_doors(app, doors):
    client, token = signed_in(app, "bob")
    for _, rule, _endpoint in (r for r in LOCKED if r[0] == "GET" and ROLES[r[2]] == "staff"):
        assert client.get(url_for_rule(rule)).status_code == 200, rule
    assert call(client, "POST", "/api/changes", headers={"X-CSRFToken": token}).status_code == 201


@pytest.mark.parametrize(("method", "rule", "endpoint"), LOCKED, ids=[f"{m} {r}" for m, r, _ in LOCKED])
@pytest.mark.parametrize("who", ["anonymous", "wrong token", "revoked token", "malformed header"])
def test_a_locked_route_refuses_callers_who_are_not_staff(app, doors, method, rule, endpoint, who):
    headers = {
        "anonymous": {},
        "wrong token": {"Authorization": "Bearer vl_" + "x" * 43},
        "revoked token": {"Authorization": f"Bearer {doors['revoked']}"},
        "malformed header": {"Authorization": f"Basic {doors['live']}"},
    }[who]
    before = fingerprint(app)
    assert_refused(call(app.test_client(), method, rule, headers=headers))
    assert fingerprint(app) == before


@pytest.mark.parametrize(
    ("method", "rule", "endpoint"),
    [r for r in [*LOCKED, ("POST", "/login", "auth.login")] if r[0] not in READS],
    ids=lambda v: v if (isinstance(v, str) and v.isupper()) or str(v).startswith("/") else "",
)
def test_a_write_from_a_cookie_session_needs_its_csrf_token(app, doors, method, rule, endpoint):
    client, _ = signed_in(app)
    before = fingerprint(app)
    for headers in ({}, {"X-CSRFToken": "not-the-token"}):
        response = call(client, method, rule, headers=headers)
        assert response.status_code == 400, (headers, response.status_code)
    assert fingerprint(app) == before
    assert client.get("/staff/").status_code == 200  # still signed in: the refusal was the CSRF check


def test_the_right_credentials_open_the_doors(app, doors):
    # So the refusals above are the locks, not broken URLs.
    client, token = signed_in(app)
    for _, rule, _ in (r for r in LOCKED if r[0] == "GET"):
        assert client.get(url_for_rule(rule)).status_code == 200, rule
    assert call(client, "POST", "/api/changes", headers={"X-CSRFToken": token}).status_code == 201
    bearer = {"Authorization": f"Bearer {doors['live']}"}
    moved = app.test_client().post("/api/changes", json={**MOVE, "room": "hip-future-hall"}, headers=bearer)
    assert moved.status_code == 201


def test_sign_in_without_the_forms_csrf_token_is_refused(app, doors):
    client = app.test_client()
    response = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 400 and client.get("/staff/").status_code == 302


# --- Sockets: attendees listen, never publish -------------------------------------------------------

SERVER_EVENTS = sorted(v for k, v in vars(protocol).items() if k.isupper() and isinstance(v, str))
PAYLOADS = [
    MOVE,
    {"seq": 10**6, "kind": "cancel", "session": "gmp-audit", "after": {"status": "cancelled"}},
    {"since": 0},
    "text",
    [1, 2, 3],
    None,
]


def test_attendee_sockets_cannot_publish(app):
    listener = socketio.test_client(app, auth={"since": 0})
    talker = socketio.test_client(app, auth={"since": 0})
    listener.get_received()
    before = fingerprint(app)
    names = [*SERVER_EVENTS, "message", "announce", "move", "connect", "disconnect", "room_status"]
    for name in names:
        for payload in PAYLOADS:
            talker.emit(name, payload)
    talker.send("a plain message")
    assert listener.get_received() == []
    assert fingerprint(app) == before
    assert listener.is_connected() and talker.is_connected()
    listener.disconnect()
    talker.disconnect()
