"""A staff member changes the program on a phone; every open attendee page shows it, and catches up after offline."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_live, own_server, sign_in
from tests.servers import post_change

# 29 Nov 15:10: the dental-industry session is on at the Training Center (15:00-17:00).
LIVE_NOW = "2023-11-29T15:10:00+09:00"
DENTAL = "dentistry-industry"
DENTAL_TITLE = "dental-device companies"


@pytest.fixture(scope="module")
def event_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with own_server(tmp_path_factory.mktemp("live-changes"), EVENT_NOW=LIVE_NOW) as server:
        yield server


def sign_in_to_console(page: Page, base_url: str) -> None:
    """Sign in, then wait for the console's script: the URL changes before it has counted the sessions."""
    sign_in(page, base_url)
    expect(page.locator("#session-count")).not_to_be_empty()


def test_staff_move_shows_on_the_attendee_map_list_popup_and_schedule(browser_session, event_server) -> None:
    base_url, _ = event_server
    attendee = open_live(browser_session.new_page(), f"{base_url}/?lang=en")
    schedule = open_live(browser_session.new_page(), f"{base_url}/schedule?lang=en&day=2023-11-29")
    expect(attendee.locator("#venue-training-center")).to_contain_text(DENTAL_TITLE)

    staff = browser_session.new_page()
    sign_in_to_console(staff, base_url)
    staff.locator("#session-search").fill(DENTAL_TITLE)
    staff.locator(f'#session-list li[data-session="{DENTAL}"] button.pick').click()
    staff.locator("#move-room").select_option("kins-7f-meeting-room")
    staff.locator('[data-action="move"]').click()
    expect(staff.locator("#confirm-before")).to_contain_text("Training Center")
    expect(staff.locator("#confirm-after")).to_contain_text("KINS Tower")
    staff.locator("#confirm-go").click()

    toast = attendee.locator(".toast").last
    expect(toast).to_contain_text("moved to KINS Tower · 7F Meeting Room")
    expect(attendee.locator("#live-region")).to_contain_text("moved to KINS Tower")
    expect(attendee.locator("#venue-kins-tower [data-now-next]")).to_contain_text(DENTAL_TITLE)
    expect(attendee.locator("#venue-training-center [data-now-next]")).not_to_contain_text(DENTAL_TITLE)
    attendee.locator('.venue-pin[data-venue="kins-tower"]').click()
    expect(attendee.locator(".leaflet-popup")).to_contain_text(DENTAL_TITLE)
    row = schedule.locator(f'li.srow[data-session="{DENTAL}"]')
    expect(row.locator(".srow__where")).to_have_text("KINS Tower · 7F Meeting Room")
    expect(staff.locator("#recent-list")).to_contain_text(DENTAL_TITLE)
    attendee.wait_for_timeout(600)  # let the popup finish panning into view
    attendee.screenshot(path="var/screenshots/live-change-phone.png")


def test_a_page_that_was_offline_gets_every_change_it_missed_in_order(browser_session, event_server) -> None:
    base_url, token = event_server
    page = open_live(browser_session.new_page(), f"{base_url}/schedule?lang=en&day=2023-12-01")
    online = open_live(browser_session.new_page(), f"{base_url}/schedule?lang=en&day=2023-12-01")
    page.context.set_offline(True)
    expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    made = [
        post_change(base_url, token, {"kind": "cancel", "session": "ivd-panel", "reason": "Speaker ill"}),
        post_change(
            base_url, token, {"kind": "retime", "session": "testing-to-approval", "delay_minutes": 15}
        ),
        post_change(
            base_url, token, {"kind": "move", "session": "kosmi-closing-panel", "room": "hip-seminar-room-a"}
        ),
    ]
    # A page that is online has applied all three: they were sent, and none reached the offline page.
    online.wait_for_function("(seq) => window.appliedSeqs.includes(seq)", arg=made[-1]["seq"])
    assert page.evaluate("window.appliedSeqs") == []

    page.context.set_offline(False)
    # A generous deadline: socket.io's reconnection waits up to 5 s between tries, longer on a busy machine.
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=30_000)
    page.wait_for_function("() => window.appliedSeqs.length === 3")
    assert page.evaluate("window.appliedSeqs") == [change["seq"] for change in made]
    expect(page.locator('li.srow[data-session="ivd-panel"] [data-field="status"]')).to_have_text(
        "Cancelled: Speaker ill"
    )
    expect(page.locator('li.srow[data-session="testing-to-approval"] .srow__time')).to_have_text(
        "15:15–16:15"
    )
    expect(page.locator('li.srow[data-session="kosmi-closing-panel"] .srow__where')).to_contain_text(
        "Seminar Room A"
    )


def test_announcement_shows_as_a_banner_until_retracted(browser_session, event_server) -> None:
    base_url, token = event_server
    page = open_live(browser_session.new_page(), f"{base_url}/?lang=en")
    made = post_change(
        base_url,
        token,
        {
            "kind": "announce",
            "text": {"ko": "<b>셔틀</b>", "en": "<b>Shuttle</b> at 15:30"},
            "expires_in_minutes": 30,
        },
    )
    banner = page.locator(f'#announcements [data-announcement="{made["announcement"]}"]')
    expect(banner).to_have_text("<b>Shuttle</b> at 15:30")  # shown as text, never run as HTML
    post_change(base_url, token, {"kind": "retract", "announcement": made["announcement"]})
    expect(banner).to_have_count(0)


def test_going_live_shows_on_the_schedule_and_session_page(browser_session, event_server) -> None:
    base_url, token = event_server
    schedule = open_live(browser_session.new_page(), f"{base_url}/schedule?lang=en&day=2023-12-01")
    session = open_live(browser_session.new_page(), f"{base_url}/sessions/keynote-ohno-machado?lang=en")
    badge = '[data-session="keynote-ohno-machado"] [data-field="stream"]'
    expect(schedule.locator(badge)).to_be_hidden()
    url = "https://stream.example.com/sbic2023/keynote-ohno-machado-room-2"
    post_change(
        base_url,
        token,
        {"kind": "stream_status", "session": "keynote-ohno-machado", "status": "live", "stream_url": url},
    )
    expect(schedule.locator(badge)).to_be_visible()
    expect(session.locator(badge)).to_be_visible()
    expect(session.locator('a[data-field="stream-link"]')).to_have_attribute("href", url)
