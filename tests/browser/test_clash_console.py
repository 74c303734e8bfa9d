"""A move into a room that is taken then: the console's confirm sheet names the session it would overlap
and asks a second time; only that second, explicit confirm makes the change (allow_clash)."""

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, own_server, sign_in

MOVED = "dentistry-industry"  # Training Center lecture room, 29 Nov 15:00-17:00
TAKEN = "kins-7f-auditorium"  # holds medical-data-panel 14:45-15:45 that day
PANEL_EN = "Panel: industrial research use of medical data after Korea's three data laws"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_server(tmp_path_factory.mktemp("clash")) as (base_url, _token):
        yield base_url


def clash_page(browser_session) -> Page:
    """A phone-sized page; Chromium logs the 409 that answers the first confirm, and only that is allowed."""
    return browser_session.new_page(
        viewport=PHONE,
        allow_console=lambda m: (
            "status of 409" in m.text and m.location.get("url", "").endswith("/api/changes")
        ),
    )


def room_of(base_url: str, session_id: str) -> str:
    with urllib.request.urlopen(f"{base_url}/api/sessions/{session_id}", timeout=10) as response:
        return json.load(response)["room"]


def ask_move(page: Page, base_url: str, lang: str, session_id: str, room: str) -> None:
    sign_in(page, base_url)
    page.goto(f"{base_url}/staff/?lang={lang}")
    page.locator(f'#session-list li[data-session="{session_id}"] button.pick').click()
    page.locator("#move-room").select_option(room)
    page.locator('[data-action="move"]').click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-clash")).to_be_hidden()  # the first sheet is the ordinary one
    page.locator("#confirm-go").click()


def test_a_clash_is_shown_in_the_sheet_and_needs_a_second_confirm(
    browser_session, server: str, screenshot_dir: Path
):
    page = clash_page(browser_session)
    ask_move(page, server, "en", MOVED, TAKEN)

    clash = page.locator("#confirm-clash")
    expect(clash).to_be_visible()
    expect(clash).to_contain_text("The room is already taken at that time:")
    item = clash.locator("#confirm-clash-list li")
    expect(item).to_have_count(1)
    expect(item.locator(".clash__title")).to_have_text(PANEL_EN)
    expect(item.locator(".clash__when")).to_have_text("Wed, Nov 29 14:45–15:45")
    expect(item.locator(".clash__where")).to_have_text("KINS Tower · 7F Auditorium")
    expect(page.locator("#confirm-after")).to_contain_text("KINS Tower · 7F Auditorium")
    expect(page.locator("#confirm-go")).to_have_text("Change anyway")
    expect(page.locator("#notify")).to_be_hidden()
    page.wait_for_timeout(300)  # the sheet's opening transition
    page.screenshot(path=str(screenshot_dir / "console-clash-phone-en.png"))
    assert room_of(server, MOVED) == "training-center-lecture-room"  # nothing changed yet

    page.locator("#confirm-go").click()
    expect(page.locator("#notify-message")).to_contain_text("Done: change #")
    assert room_of(server, MOVED) == TAKEN
    expect(page.locator("#panel-where")).to_have_text("KINS Tower · 7F Auditorium")


def test_back_on_the_clash_sheet_changes_nothing_and_korean_names_the_clash(
    browser_session, server: str, screenshot_dir: Path
):
    page = clash_page(browser_session)
    ask_move(
        page, server, "ko", "kosmi-data-governance", "hip-future-hall"
    )  # 16:00-17:30 into generative AI's hall

    clash = page.locator("#confirm-clash")
    expect(clash).to_contain_text("이 시간에 회의장을 이미 쓰는 세션이 있습니다:")
    expect(clash).to_contain_text("그래도 변경하려면 다시 확인하세요")
    expect(clash.locator(".clash__when")).to_have_text("11월 29일(수) 15:00–16:30")
    expect(page.locator("#confirm-go")).to_have_text("그래도 변경")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "console-clash-phone-ko.png"))
    page.locator("#confirm button[value='back']").click()
    expect(page.locator("#confirm")).to_be_hidden()
    page.wait_for_timeout(500)
    assert room_of(server, "kosmi-data-governance") == "hip-seminar-room-a"
    # The next change starts with the ordinary sheet again.
    page.locator('[data-action="move"]').click()
    expect(page.locator("#confirm-clash")).to_be_hidden()
    expect(page.locator("#confirm-go")).to_have_text("확인")
