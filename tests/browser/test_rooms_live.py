"""A room screen and /live keep themselves current as staff change rooms and streams; players load on click."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import next_change_applied, open_live, own_server
from tests.servers import post_change

# 29 Nov 10:30 (the browser tests' clock): the medical-data platform session is on in the KINS auditorium.
AUDITORIUM = "kins-7f-auditorium"
PLATFORM = "medical-data-platform"
PLATFORM_TITLE = "Seongnam medical data platform"
TERMINOLOGY = "kosmi-online-terminology"  # online only, 11:00-12:00
YOUTUBE_LINK = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
PLAYER_HOST = re.compile(r"^https://www\.youtube-nocookie\.com/")
PLAYER_HTML = "<!doctype html><title>player</title><body style='color:#fff'><p>a stand-in player</p>"


@pytest.fixture(scope="module")
def event_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with own_server(tmp_path_factory.mktemp("rooms-live")) as server:
        yield server


def test_room_screen_shows_the_room_full_and_a_session_moving_away(browser_session, event_server) -> None:
    base_url, token = event_server
    page = open_live(browser_session.new_page(), f"{base_url}/rooms/{AUDITORIUM}?lang=en")
    full = page.locator(f'[data-room-status="{AUDITORIUM}"]')
    expect(page.locator("#room-now")).to_contain_text(PLATFORM_TITLE)
    expect(full).to_be_hidden()
    expect(page.locator("#room-open")).to_be_visible()

    post_change(base_url, token, {"kind": "room_status", "room": AUDITORIUM, "status": "full"})
    expect(full).to_be_visible()
    expect(full).to_contain_text("Room full")
    expect(page.locator("#room-open")).to_be_hidden()

    post_change(base_url, token, {"kind": "move", "session": PLATFORM, "room": "kins-7f-meeting-room"})
    expect(page.locator("#room-now")).not_to_contain_text(PLATFORM_TITLE)
    expect(page.locator("#room-now-empty")).to_be_visible()
    expect(full).to_be_visible()  # a session change naming the room leaves its full banner alone

    post_change(base_url, token, {"kind": "move", "session": PLATFORM, "room": AUDITORIUM})
    expect(page.locator("#room-now")).to_contain_text(PLATFORM_TITLE)  # moved back in, title from the change
    post_change(base_url, token, {"kind": "room_status", "room": AUDITORIUM, "status": "open"})
    expect(full).to_be_hidden()
    expect(page.locator("#room-open")).to_be_visible()


def test_room_screen_reads_on_a_phone_and_a_tv(browser_session, event_server, screenshot_dir) -> None:
    base_url, _ = event_server
    phone = open_live(browser_session.new_page(), f"{base_url}/rooms/{AUDITORIUM}?lang=en")
    expect(phone.locator("#room-now")).to_contain_text(PLATFORM_TITLE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    phone.screenshot(path=str(screenshot_dir / "room-screen-phone.png"), full_page=True)

    tv = browser_session.new_page(viewport={"width": 1920, "height": 1080}, locale="ko-KR")
    open_live(tv, f"{base_url}/rooms/{AUDITORIUM}?screen=1&lang=ko")
    expect(tv.locator(".topbar")).to_be_hidden()
    expect(tv.locator("#room-now")).to_be_visible()
    tv.screenshot(path=str(screenshot_dir / "room-screen-tv.png"))


def test_live_page_shows_a_session_going_live(browser_session, event_server) -> None:
    base_url, token = event_server
    page = open_live(browser_session.new_page(), f"{base_url}/live?lang=en")
    card = page.locator(f'.wcard[data-session="{PLATFORM}"]')
    expect(page.locator('[data-list="on_now"]')).to_contain_text(PLATFORM_TITLE)
    expect(card.locator("[data-field=stream]")).to_have_text("Scheduled")

    post_change(base_url, token, {"kind": "stream_status", "session": PLATFORM, "status": "live"})
    expect(page.locator('[data-list="live"]').locator(f'[data-session="{PLATFORM}"]')).to_be_visible()
    expect(card.locator("[data-field=stream]")).to_have_text("Live")
    expect(page.locator('[data-empty="live"]')).to_be_hidden()

    post_change(base_url, token, {"kind": "stream_status", "session": PLATFORM, "status": "ended"})
    expect(page.locator('[data-list="on_now"]').locator(f'[data-session="{PLATFORM}"]')).to_be_visible()
    expect(card.locator("[data-field=stream]")).to_have_text("Ended")


def test_player_loads_only_after_a_click(browser_session, event_server) -> None:
    base_url, token = event_server
    page = browser_session.new_page()
    player_requests: list[str] = []

    def fake_player(route: Route) -> None:
        player_requests.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=PLAYER_HTML)

    page.context.route(PLAYER_HOST, fake_player)
    open_live(page, f"{base_url}/live?lang=en")
    card = page.locator(f'.wcard[data-session="{TERMINOLOGY}"]')
    expect(card.locator("[data-action=watch-here]")).to_be_hidden()  # an example.com link: no player

    post_change(
        base_url,
        token,
        {"kind": "stream_status", "session": TERMINOLOGY, "status": "live", "stream_url": YOUTUBE_LINK},
    )
    link = card.locator("[data-field=stream-link]")
    expect(link).to_have_attribute("href", YOUTUBE_LINK)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    watch_here = card.locator("[data-action=watch-here]")
    expect(watch_here).to_be_visible()
    # The next change applied: the live stream's rendering, and whatever it would load, came before it.
    next_change_applied(
        page, base_url, token, {"kind": "room_status", "room": "hip-future-hall", "status": "full"}
    )
    youtube = [url for url in browser_session.log(page).requests if "youtube" in url]
    assert youtube == [] and player_requests == [], youtube
    assert page.locator("iframe").count() == 0

    watch_here.click()
    frame = card.locator("[data-player] iframe")
    expect(frame).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1")
    expect(page.frame_locator(f'.wcard[data-session="{TERMINOLOGY}"] iframe').locator("p")).to_have_text(
        "a stand-in player"
    )
    assert all(url.startswith("https://www.youtube-nocookie.com/embed/") for url in player_requests)
    assert {host for host in browser_session.log(page).hosts() if "youtube" in host} == {
        "www.youtube-nocookie.com"
    }
    expect(watch_here).to_have_text("Close player")
    watch_here.click()
    expect(card.locator("[data-player] iframe")).to_have_count(0)
    expect(watch_here).to_have_text("Watch here")


def test_live_page_reads_on_a_phone(browser_session, event_server, screenshot_dir) -> None:
    base_url, _ = event_server
    page = open_live(browser_session.new_page(), f"{base_url}/live?lang=en")
    expect(page.locator("[data-list=on_now] .wcard").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "live-phone.png"), full_page=True)
