"""A followed release that would cancel most of the program waits on the console, on a phone, for Apply."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SCREENSHOTS_DIR, sign_in, start_event_server
from tests.servers import ReleaseServer, serve_release
from tests.sources.conftest import EXAMPLES
from tests.sources.test_held import keep_only
from webapp.sources.convert import import_schedule


@pytest.fixture(scope="module")
def followed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ReleaseServer]]:
    """Serve the DemoCon event, following a schedule served on 127.0.0.1 every 5 seconds."""
    workdir = tmp_path_factory.mktemp("held")
    out = workdir / "event"
    import_schedule(str(EXAMPLES / "pretalx-democon.json"), out_dir=out)
    venues = json.loads((out / "venues.geojson").read_text())
    venues["features"][0]["geometry"] = {
        "type": "Point",
        "coordinates": [13.4, 52.52],
    }  # placed by the organiser
    (out / "venues.geojson").write_text(json.dumps(venues))
    with serve_release((EXAMPLES / "pretalx-democon.json").read_bytes()) as source:
        source.first = json.loads(source.body)
        env = {
            "VENUES_FILE": str(out / "venues.geojson"),
            "PROGRAM_FILE": str(out / "program.json"),
            "EVENT_NOW": "2020-12-14T08:00:00+01:00",
            "SCHEDULE_SOURCE": source.url,
            "SCHEDULE_POLL_SECONDS": "5",
        }
        with start_event_server(workdir, **env) as base_url:
            yield base_url, source


def wait_for_text(page: Page, url: str, text: str, seconds: float = 30) -> None:
    """Reload url until it shows text (the follower polls every 5 s)."""
    for _ in range(int(seconds)):
        page.goto(url)
        if page.get_by_text(text).count():
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"{url} never showed {text!r}")


def cancelled(page: Page, base_url: str) -> int:
    sessions = page.request.get(f"{base_url}/api/sessions").json()["sessions"]
    return sum(s["status"] == "cancelled" for s in sessions)


def test_staff_apply_a_held_release_on_a_phone(followed_server, page: Page):
    base_url, source = followed_server
    page.set_viewport_size(PHONE)
    sign_in(page, base_url)
    source.body = json.dumps(keep_only(source.first, 1)).encode()  # a half-written export: 1 session of 36

    wait_for_text(
        page, f"{base_url}/staff/?lang=ko", "새 일정 버전(v2)을 적용하면 세션 36개 중 35개가 취소됩니다."
    )
    card = page.locator("#held")
    expect(card.get_by_role("button", name="적용")).to_be_visible()
    expect(card.get_by_role("button", name="무시")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS_DIR / "staff-held-release-ko.png"), full_page=False)
    # Nothing was applied while it waits.
    assert cancelled(page, base_url) == 0

    page.goto(f"{base_url}/staff/log?lang=en")
    expect(page.locator("#held")).to_contain_text("Release v2 would cancel 35 of 36 sessions.")
    page.locator("#held").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{base_url}/staff/log")
    expect(page.locator("#held-result")).to_have_text("Applied: 35 changes from the published schedule.")
    expect(page.locator("#held")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS_DIR / "staff-held-release-applied.png"), full_page=False)
    assert cancelled(page, base_url) == 35


@pytest.fixture(autouse=True)
def _screenshots_dir() -> None:
    Path(SCREENSHOTS_DIR).mkdir(parents=True, exist_ok=True)


def test_the_held_card_appears_and_goes_on_an_open_console_without_a_reload(followed_server, browser_session):
    base_url, source = followed_server
    full = {**source.first, "schedule": {**source.first["schedule"], "version": "v3"}}
    source.body = json.dumps(full).encode()  # every session back (after the test above) or as imported
    console = browser_session.new_page(viewport=PHONE)
    sign_in(console, base_url)
    console.goto(f"{base_url}/staff/?lang=en")
    for _ in range(30):
        if cancelled(console, base_url) == 0:
            break
        console.wait_for_timeout(1000)
    expect(console.locator("#held")).to_have_count(0)

    source.body = json.dumps(keep_only(source.first, 1, version="v4")).encode()
    # The follower polls every 5 s and the card is asked for every 5 s: no reload of the console.
    card = console.locator("#held")
    expect(card).to_contain_text("Release v4 would cancel 35 of 36 sessions.", timeout=30_000)
    expect(card.get_by_role("button", name="Apply")).to_be_visible()
    console.screenshot(path=str(SCREENSHOTS_DIR / "staff-held-release-live.png"), full_page=False)

    log = browser_session.new_page(viewport=PHONE)  # another staff member's phone
    sign_in(log, base_url)
    log.goto(f"{base_url}/staff/log?lang=en")
    log.locator("#held").get_by_role("button", name="Ignore").click()
    expect(log.locator("#held-result")).to_have_text("Ignored release v4; nothing was changed.")
    expect(card).to_have_count(0, timeout=15_000)
    assert cancelled(console, base_url) == 0
