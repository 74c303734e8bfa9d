"""Locate me on the map page, with Playwright's geolocation emulation (EVENT_NOW is day 1, 10:30)."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_map_page import assert_screenshot_shows, open_map

PANGYO_STATION = {"latitude": 37.3948, "longitude": 127.1112}


def test_locate_at_pangyo_station_finds_gravity_three_minutes_away(
    browser_session, live_server: str, screenshot_dir: Path
) -> None:
    page: Page = browser_session.new_page()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(PANGYO_STATION)
    open_map(page, live_server)
    page.locator("#locate-me").click()
    result = page.locator("#locate-status .locate__result")
    expect(result).to_have_attribute("data-nearest", "gravity-pangyo")
    expect(result).to_have_text("Nearest venue: Gravity Pangyo, 180 m straight line, about 3 min on foot.")
    links = page.locator("#locate-status .directions a")
    expect(links).to_have_count(3)
    assert all(links.nth(i).get_attribute("rel") == "noopener" for i in range(3))
    # The visitor's position is a circle marker (no image), drawn in the overlay pane.
    you = page.locator(".leaflet-overlay-pane path.you-are-here")
    expect(you).to_have_count(1)
    expect(
        page.locator(".leaflet-marker-icon.is-nearest .venue-pin[data-venue=gravity-pangyo]")
    ).to_be_visible()
    page.wait_for_timeout(400)  # let the map finish its pan before the picture
    # The picture shows the nearest venue's pin (the map zooms to it), where the map has it.
    assert_screenshot_shows(
        page, screenshot_dir / "map-locate-phone.png", page.locator(".venue-pin[data-venue]"), 1
    )


def test_denied_location_says_so_and_the_map_keeps_working(browser_session, live_server: str) -> None:
    page: Page = browser_session.new_page()
    page.context.clear_permissions()
    open_map(page, live_server)
    page.locator("#locate-me").click()
    status = page.locator("#locate-status")
    expect(status).to_contain_text("Everything else works")
    expect(status).to_have_attribute("aria-live", "polite")
    page.locator(".leaflet-marker-icon .venue-pin[data-venue=kins-tower]").click()
    expect(page.locator(".leaflet-popup .popup[data-venue=kins-tower] .directions a")).to_have_count(3)
