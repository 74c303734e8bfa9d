"""The console's announcement form: a field per event language, named in the page's language; a text in
any one of them is posted, and an empty form asks for one."""

import json
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, own_server, sign_in


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_server(tmp_path_factory.mktemp("announce")) as (base_url, _token):
        yield base_url


def shown(base_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{base_url}/api/changes?since=0", timeout=10) as response:
        return json.load(response)["announcements"]


def test_an_announcement_in_one_of_the_events_languages_is_posted(browser_session, server: str):
    page = browser_session.new_page(viewport=PHONE)
    sign_in(page, server)
    page.goto(f"{server}/staff/?lang=ko")
    form = page.locator("#announce-form")
    expect(form.locator("label:has(textarea)")).to_have_text(["한국어", "영어"])
    page.goto(f"{server}/staff/?lang=en")
    expect(form.locator("label:has(textarea)")).to_have_text(["Korean", "English"])

    form.get_by_role("button", name="Review announcement").click()
    expect(page.locator("#notify-message")).to_have_text(
        "Write the announcement in at least one of the languages."
    )
    assert shown(server) == []

    form.get_by_label("English").fill("Shuttle to Pangyo leaves at 18:00")
    form.get_by_role("button", name="Review announcement").click()
    expect(page.locator("#confirm")).to_be_visible()
    page.locator("#confirm-go").click()
    expect(page.locator("#notify-message")).to_contain_text("Done: change #")
    assert [a["text"]["en"] for a in shown(server)] == ["Shuttle to Pangyo leaves at 18:00"]
