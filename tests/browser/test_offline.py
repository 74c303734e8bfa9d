"""After one visit the app works with no network, says so, and catches up on every change when back."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    open_live,
    own_server,
)
from tests.servers import post_change


@pytest.fixture(scope="module")
def event_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with own_server(tmp_path_factory.mktemp("offline")) as server:
        yield server


def first_visit(page: Page, url: str) -> None:
    open_live(page, url)
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1")


def test_map_and_schedule_open_offline_and_catch_up_when_back(browser_session, event_server) -> None:
    base_url, token = event_server
    page = browser_session.new_page(service_workers="allow")
    first_visit(page, f"{base_url}/?lang=en")

    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".venue-pin")).to_have_count(4)
    expect(page.locator("#offline-notice")).to_be_visible()
    expect(page.locator("#offline-notice")).to_contain_text("Offline: showing the program as of")
    expect(page.locator("#conn")).to_have_attribute("data-state", "offline")

    page.goto(f"{base_url}/schedule?lang=en")
    expect(page.locator("li.srow")).not_to_have_count(0)
    expect(page.locator("#offline-notice")).to_be_visible()
    made = post_change(
        base_url, token, {"kind": "cancel", "session": "opening-ceremony", "reason": "Weather"}
    )

    page.context.set_offline(False)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    expect(page.locator("#offline-notice")).to_be_hidden()
    page.wait_for_function("(seq) => window.appliedSeqs.includes(seq)", arg=made["seq"])
    expect(page.locator('li.srow[data-session="opening-ceremony"] [data-field="status"]')).to_have_text(
        "Cancelled: Weather"
    )
