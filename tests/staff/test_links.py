"""One-time sign-in links: shown once, expiring, single use, revocable; a link preview cannot use one up."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.staff.test_auth import PASSWORD, csrf_from
from webapp.extensions import db
from webapp.models import SignInLink
from webapp.staff.accounts import AccountError, create_staff, set_active
from webapp.staff.links import issue_link, link_staff, open_links, redeem_link, revoke_link, revoke_links


@pytest.fixture
def volunteer(app):
    """Staff member 'mina', who has no password anyone knows; return a fresh link's token for her."""
    with app.app_context():
        create_staff("mina", None)
        token, _link = issue_link("mina", by="alice", minutes=60)
    return token


def open_link(client, token: str):
    """Open a sign-in link as a phone's browser does: a GET, then the page's button (a POST)."""
    page = client.get(f"/login/link/{token}?lang=en")
    if page.status_code != 200:
        return page
    return client.post(
        f"/login/link/{token}?lang=en", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )


def test_a_link_signs_in_once_and_only_with_its_button(app, client, volunteer):
    page = client.get(f"/login/link/{volunteer}?lang=en")
    assert page.status_code == 200 and "Sign in as mina" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    # Opening the page (a chat app's preview, a prefetch) uses nothing up.
    assert client.get(f"/login/link/{volunteer}").status_code == 200
    signed = client.post(
        f"/login/link/{volunteer}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert signed.status_code == 302 and signed.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert any(
        h.startswith("vl_device=") for h in signed.headers.getlist("Set-Cookie")
    )  # trusted from now on
    # Used: a second phone, or the same one again, is refused and told what to do.
    again = open_link(app.test_client(), volunteer)
    assert again.status_code == 404
    assert "Ask the organiser for a new one" in again.get_data(as_text=True)


def test_a_link_without_the_forms_token_signs_nobody_in(app, client, volunteer):
    assert client.post(f"/login/link/{volunteer}").status_code == 400
    assert client.get("/staff/").status_code == 302
    with app.app_context():
        assert link_staff(volunteer) is not None  # still usable


def test_an_expired_link_is_refused(app, volunteer):
    later = datetime.now(UTC) + timedelta(minutes=61)
    with app.app_context():
        assert link_staff(volunteer, now=later) is None and redeem_link(volunteer, now=later) is None
        assert redeem_link(volunteer) is not None  # within its hour it works


def test_a_revoked_link_and_a_turned_off_account_are_refused(app, volunteer):
    with app.app_context():
        [link] = open_links()
        assert revoke_link(link.id) and not revoke_link(link.id)
        assert redeem_link(volunteer) is None
        token, _ = issue_link("mina", by="alice")
        create_staff("alice", PASSWORD, "organiser")
        set_active("mina", False)
        assert redeem_link(token) is None
        with pytest.raises(AccountError, match="turned off"):
            issue_link("mina", by="alice")


def test_two_phones_opening_one_link_at_once_sign_in_once(app, volunteer):
    with app.app_context():
        # Both looked it up before either used it: the conditional update lets exactly one through.
        assert link_staff(volunteer) is not None and link_staff(volunteer) is not None
        results = [redeem_link(volunteer), redeem_link(volunteer)]
        assert [r is not None for r in results] == [True, False]


def test_only_a_hash_of_the_link_is_stored(app, volunteer):
    with app.app_context():
        stored = db.session.scalars(db.select(SignInLink)).one()
        assert volunteer not in stored.token_hash and len(stored.token_hash) == 64
        assert revoke_links(stored.staff) == 1


def test_unknown_and_malformed_links_are_refused(client):
    for token in ("sl_nope", "not-a-link", "sl_" + "x" * 200, "%00"):
        assert client.get(f"/login/link/{token}").status_code in {404, 400}


def test_a_link_lasts_a_bounded_time(app, volunteer):
    with app.app_context():
        for minutes in (0, 3 * 24 * 60 + 1):
            with pytest.raises(AccountError, match="lasts 1 to"):
                issue_link("mina", by="alice", minutes=minutes)


def test_the_command_line_prints_a_working_link(app):
    runner = app.test_cli_runner()
    with app.app_context():
        create_staff("mina", None)
    printed = runner.invoke(
        args=["staff", "link", "mina", "--minutes", "30", "--base", "https://live.example.org"]
    )
    assert printed.exit_code == 0, printed.output
    url = printed.output.strip().splitlines()[-1]
    assert re.fullmatch(r"https://live\.example\.org/login/link/sl_[A-Za-z0-9_-]{43}", url)
    response = open_link(app.test_client(), url.removeprefix("https://live.example.org/login/link/"))
    assert response.status_code == 302
    assert runner.invoke(args=["staff", "link", "nobody"]).exit_code != 0
    assert (
        "not an http(s) address" in runner.invoke(args=["staff", "link", "mina", "--base", "ftp://x"]).output
    )


def test_the_link_page_loads_no_script_that_would_keep_a_copy_of_it(client, volunteer):
    # offline.js hands the page's own URL (the token in it) to the service worker to cache, and socket.js
    # would open a socket: the sign-in page is left out of both, as its Cache-Control says.
    page = client.get(f"/login/link/{volunteer}?lang=en").get_data(as_text=True)
    assert "Sign in as mina" in page
    assert "offline.js" not in page and "socket.js" not in page and 'id="live-data"' not in page
