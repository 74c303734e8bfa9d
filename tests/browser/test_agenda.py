"""Stars and the agenda on a phone: star sessions on /schedule, open /agenda, see the plan and its warning."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_map_page import assert_screenshot_shows

# Day 1: two sessions at KINS Tower, then one at the Healthcare Innovation Park 15 minutes after the
# second ends; the walk is about 30 minutes, so the agenda must warn.
STARRED = ["medical-data-hospitals", "medical-data-panel", "kosmi-data-governance"]
WARNING = (
    "15:45 KINS Tower → 16:00 Healthcare Innovation Park: 1.8 km, about 30 min on foot: you will be late"
)


def star_on_schedule(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/schedule?lang=en&day=2023-11-29", wait_until="networkidle")
    for ident in STARRED:
        button = page.locator(f"li.srow[data-session={ident}] button.star")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")


def test_starred_sessions_appear_on_the_agenda_with_the_late_warning(
    page: Page, live_server: str, screenshot_dir: Path
) -> None:
    star_on_schedule(page, live_server)
    page.goto(f"{live_server}/agenda?lang=en", wait_until="networkidle")
    items = page.locator("li.agenda__item")
    expect(items).to_have_count(3)
    assert [items.nth(i).get_attribute("data-agenda-session") for i in range(3)] == STARRED
    warnings = page.locator(".agenda__warning")
    expect(warnings).to_have_count(1)
    expect(warnings).to_have_text(f"⚠ {WARNING}")
    transfers = page.locator("li.agenda__transfer")
    expect(transfers.first).to_contain_text("15 min between · Same venue")
    # 10:30 on day 1: the next starred session is 13:00 at KINS Tower, with no previous venue that day.
    expect(page.locator("#agenda-next")).to_contain_text("Medical-data hub hospitals")
    expect(page.locator("#agenda-next")).to_contain_text("Use your location")
    ics = page.locator("#agenda-ics")
    expect(ics).to_be_visible()
    assert ics.get_attribute("href") == "/agenda.ics?ids=" + ",".join(STARRED)
    page.locator("li.agenda__item[data-agenda-session=medical-data-panel]").evaluate(
        "(el) => el.scrollIntoView({block: 'start'})"
    )
    # The picture shows the starred session scrolled to and its neighbours on the agenda.
    assert_screenshot_shows(
        page, screenshot_dir / "agenda-phone.png", page.locator("li.agenda__item a.agenda__title"), 1
    )


def test_leave_by_from_the_visitors_position_and_unstarring(browser_session, live_server: str) -> None:
    page: Page = browser_session.new_page()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 37.3671, "longitude": 127.1080})  # Jeongja station
    star_on_schedule(page, live_server)
    page.goto(f"{live_server}/agenda?lang=en", wait_until="networkidle")
    page.locator("#agenda-locate").click()
    # 13:00 at KINS Tower, ~170 m from Jeongja station: 3 min on foot.
    expect(page.locator(".agenda__leave")).to_have_text(
        "Leave by 12:57 from where you are: 170 m straight line, about 3 min on foot"
    )
    page.locator("li.agenda__item[data-agenda-session=medical-data-panel] button.star").click()
    expect(page.locator("li.agenda__item")).to_have_count(2)
    expect(page.locator(".agenda__warning")).to_have_count(0)  # 14:30 KINS -> 16:00 HIP is fine


def test_empty_agenda_points_to_the_schedule(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/agenda?lang=en", wait_until="networkidle")
    expect(page.locator("#agenda-empty")).to_be_visible()
    expect(page.locator("#agenda-ics")).to_be_hidden()
