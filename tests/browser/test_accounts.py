"""An organiser adds a volunteer on a phone and hands over a one-time sign-in link (QR code); it works once."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, STAFF_NAME, own_server, sign_in
from tests.servers import run_flask


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded event, 'alice' an organiser; yield the base URL."""
    workdir = tmp_path_factory.mktemp("accounts")
    with own_server(workdir) as (base_url, _token):
        run_flask(
            ["staff", "role", STAFF_NAME, "organiser"],
            {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}"},
        )
        yield base_url


def test_a_volunteer_signs_in_with_the_link_the_organiser_showed(server, browser_session, screenshot_dir):
    organiser = browser_session.new_page(viewport=PHONE)
    sign_in(organiser, server)
    organiser.get_by_role("link", name="Accounts").click()
    organiser.get_by_label("Name").fill("Min-jun")
    organiser.get_by_role("button", name="Add and make a sign-in link").click()
    issued = organiser.locator("#issued")
    expect(issued.locator("h1")).to_have_text("Sign-in link for Min-jun")
    expect(issued.locator("svg.qr")).to_be_visible()
    link = organiser.locator("#issued-url").input_value()
    organiser.screenshot(path=str(screenshot_dir / "accounts-link-phone.png"), full_page=True)

    # The volunteer's phone: the camera opens the link, one tap signs in.
    volunteer = browser_session.new_page(viewport=PHONE)
    volunteer.goto(f"{link}?lang=en")
    volunteer.screenshot(path=str(screenshot_dir / "accounts-link-opened-phone.png"))
    volunteer.get_by_role("button", name="Sign in as Min-jun").click()
    expect(volunteer).to_have_url(f"{server}/staff/")
    expect(volunteer.locator(".staffnav__who")).to_have_text("Min-jun")
    expect(volunteer.get_by_role("link", name="Accounts")).to_have_count(0)  # staff, not organiser

    # Used: another phone that got hold of the link is turned away.
    other = browser_session.new_page(viewport=PHONE, allow_console=lambda message: "404" in message.text)
    other.goto(f"{link}?lang=en")
    expect(other.get_by_role("alert")).to_contain_text("This sign-in link cannot be used")
    organiser.goto(f"{server}/staff/accounts/?lang=en")
    expect(organiser.locator('[data-account="Min-jun"]')).not_to_contain_text("Sign-in link until")
