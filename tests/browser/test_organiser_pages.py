"""The organiser's pages (/staff/venues, /staff/accounts) on hostile data: no script runs, no CSP violation,
no serious accessibility violation, in English and Korean, on a phone."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_NAME, own_server, sign_in
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_csp import RECORD_VIOLATIONS, assert_policy
from tests.browser.test_xss import NOW, SHORT, P, assert_inert, hostile_files, watched
from tests.servers import run_flask

HOSTILE_STAFF = f"{SHORT}volunteer"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on the hostile files; 'alice' an organiser, and a staff account whose name is a payload."""
    workdir = tmp_path_factory.mktemp("organiser-pages")
    venues, program = hostile_files(workdir)
    env = {"VENUES_FILE": str(venues), "PROGRAM_FILE": str(program), "EVENT_NOW": NOW}
    with own_server(workdir, **env) as (base_url, _token):
        db_env = {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}", **env}
        run_flask(["staff", "role", STAFF_NAME, "organiser"], db_env)
        run_flask(["staff", "create", HOSTILE_STAFF], db_env, stdin="hostile staff password\n")
        run_flask(["staff", "link", HOSTILE_STAFF], db_env)
        yield base_url


def open_as_organiser(browser_session, server: str, path: str):
    """Open path signed in as the organiser, watching for payloads that run and CSP violations."""
    page = watched(browser_session)
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, server)
    assert_policy(page.goto(f"{server}{path}").headers, tiles="data:")
    return page


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_venues_page_shows_payloads_as_text(browser_session, server, lang) -> None:
    page = open_as_organiser(browser_session, server, f"/staff/venues/?lang={lang}")
    expect(page.locator(".vcard")).to_have_count(4)
    expect(page.locator(".ve-marker")).to_have_count(4)
    page.locator(".vcard details").first.evaluate("d => d.open = true")
    assert_inert(page, "/staff/venues", shows=P if lang == "en" else f"{P} 한")
    assert page.evaluate("window.cspViolations") == []
    assert serious_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_accounts_page_shows_payloads_as_text(browser_session, server, lang) -> None:
    page = open_as_organiser(browser_session, server, f"/staff/accounts/?lang={lang}")
    assert_inert(page, "/staff/accounts", shows=HOSTILE_STAFF)
    # A link just made, with its QR code, is checked too.
    hostile = page.locator(".account").filter(has_text="volunteer")
    hostile.locator('form[action$="/link"] button').click()
    expect(page.locator("#issued svg.qr")).to_be_visible()
    assert_inert(page, "a sign-in link for a payload", shows=HOSTILE_STAFF)
    assert page.evaluate("window.cspViolations") == []
    assert serious_violations(page) == []
