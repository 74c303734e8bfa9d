"""The schedule page (/schedule) on a phone: filters that reload the page, day tabs, a session's page."""

import re

from playwright.sync_api import Page, expect

KINS_SHORT_NAME_EN = "KINS Tower"


def open_schedule(page: Page, base_url: str, query: str = "lang=en") -> None:
    """Load the schedule and wait for its list."""
    page.goto(f"{base_url}/schedule?{query}", wait_until="networkidle")
    expect(page.locator("#schedule-list")).to_be_visible()


def shown_count(page: Page) -> int:
    """Return the number the page states in #schedule-count ('18 sessions')."""
    text = page.locator("#schedule-count").text_content()
    found = re.search(r"\d+", text or "")
    assert found, f"no number in #schedule-count: {text!r}"
    return int(found.group())


def rows(page: Page):
    """Return the session rows of the list."""
    return page.locator("#schedule-list li.srow")


def test_choosing_kins_tower_reloads_with_only_kins_tower_sessions(page: Page, live_server: str) -> None:
    open_schedule(page, live_server)
    before = shown_count(page)
    assert before == rows(page).count() > 0
    page.locator("select#filter-venue").select_option("kins-tower")
    page.wait_for_url(re.compile(r"[?&]venue=kins-tower(&|$)"))
    expect(page.locator("select#filter-venue")).to_have_value("kins-tower")
    after = shown_count(page)
    assert 0 < after < before, f"the count did not shrink: {before} -> {after}"
    assert rows(page).count() == after
    venues = [
        w.split(" · ")[0].strip()
        for w in page.locator("#schedule-list li.srow .srow__where").all_text_contents()
    ]
    assert venues and all(v == KINS_SHORT_NAME_EN for v in venues), venues


def test_choosing_a_track_keeps_only_that_tracks_sessions(page: Page, live_server: str) -> None:
    open_schedule(page, live_server)
    before = shown_count(page)
    option = page.locator("select#filter-track option[value='medical-data']")
    track_name = option.text_content().strip()
    page.locator("select#filter-track").select_option("medical-data")
    page.wait_for_url(re.compile(r"[?&]track=medical-data(&|$)"))
    expect(page.locator("select#filter-track")).to_have_value("medical-data")
    after = shown_count(page)
    assert 0 < after < before, f"the count did not shrink: {before} -> {after}"
    tracks = page.locator("#schedule-list li.srow .tag--track").all_text_contents()
    assert len(tracks) == after and all(t.strip() == track_name for t in tracks), tracks


def test_day_tabs_switch_the_day_and_mark_the_current_one(page: Page, live_server: str) -> None:
    open_schedule(page, live_server)
    tabs = page.locator("nav.daytabs a")
    assert tabs.count() == 3
    expect(tabs.nth(0)).to_have_attribute("aria-current", "page")  # EVENT_NOW is on day 1
    day1 = set(rows(page).evaluate_all("rows => rows.map(r => r.dataset.session)"))
    tabs.nth(1).click()
    page.wait_for_url(re.compile(r"[?&]day=2023-11-30(&|$)"))
    expect(tabs.nth(1)).to_have_attribute("aria-current", "page")
    expect(tabs.nth(0)).not_to_have_attribute("aria-current", "page")
    expect(tabs.nth(2)).not_to_have_attribute("aria-current", "page")
    expect(page.locator("form[data-autosubmit] input[name=day]")).to_have_value("2023-11-30")
    day2 = set(rows(page).evaluate_all("rows => rows.map(r => r.dataset.session)"))
    assert day2 and not day2 & day1, "day 2 shows day 1's sessions"
    assert shown_count(page) == len(day2)


def test_clicking_a_session_opens_its_page_with_title_and_a_small_map(page: Page, live_server: str) -> None:
    open_schedule(page, live_server, "lang=en&venue=kins-tower")
    row = rows(page).first
    session_id = row.get_attribute("data-session")
    title = row.locator(".srow__title").text_content().strip()
    row.locator(".srow__title").click()
    page.wait_for_url(re.compile(rf"/sessions/{re.escape(session_id)}$"))
    expect(page.locator("h1.session__title")).to_have_text(title)
    small_map = page.locator(".map-small .leaflet-container")
    expect(small_map).to_be_visible()
    map_box = small_map.bounding_box()
    assert map_box["height"] < 400, f"the map is not small: {map_box}"
    dot = page.locator(".map-small .venue-pin[data-venue=kins-tower] .venue-pin__dot")
    expect(dot).to_be_visible()
    box = dot.bounding_box()
    assert (
        map_box["x"] <= box["x"]
        and box["x"] + box["width"] <= map_box["x"] + map_box["width"]
        and map_box["y"] <= box["y"]
        and box["y"] + box["height"] <= map_box["y"] + map_box["height"]
    ), f"the session's venue {box} is not on the small map {map_box}"


def test_choosing_a_room_keeps_only_that_rooms_sessions(page: Page, live_server: str) -> None:
    open_schedule(page, live_server, "lang=en&day=2023-11-30")
    before = shown_count(page)
    page.locator("select#filter-room").select_option("kins-7f-auditorium")
    page.wait_for_url(re.compile(r"[?&]room=kins-7f-auditorium(&|$)"))
    expect(page.locator("select#filter-room")).to_have_value("kins-7f-auditorium")
    after = shown_count(page)
    assert 0 < after < before, f"the count did not shrink: {before} -> {after}"
    where = page.locator("#schedule-list li.srow .srow__where").all_text_contents()
    assert len(where) == after and all(w.strip() == "KINS Tower · 7F Auditorium" for w in where), where


def test_choosing_another_venue_forgets_the_room(page: Page, live_server: str) -> None:
    open_schedule(page, live_server, "lang=en&day=2023-11-30&room=kins-7f-auditorium")
    page.locator("select#filter-venue").select_option("training-center")
    page.wait_for_url(re.compile(r"[?&]venue=training-center(&|$)"))
    expect(page.locator("select#filter-room")).to_have_value("")
    where = {w.split(" · ")[0].strip() for w in page.locator(".srow__where").all_text_contents()}
    assert where == {"Training Center"}


def test_past_hours_are_folded_and_open_with_one_tap(page: Page, live_server: str) -> None:
    open_schedule(page, live_server, "lang=en&day=2023-11-29&at=2023-11-29T14:10")
    past = page.locator("details[data-hour='10']")
    expect(past).not_to_have_attribute("open", "")
    expect(past.locator("li.srow").first).to_be_hidden()
    past.locator("summary").click()
    expect(past.locator("li.srow").first).to_be_visible()
    expect(page.locator("details#now li.srow").first).to_be_visible()


def test_jump_to_now_scrolls_to_this_hour(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_schedule(page, live_server, "lang=en&day=2023-11-29&at=2023-11-29T14:10")
    page.locator("#jump-now").click()
    page.wait_for_url(re.compile(r"#now$"))
    now = page.locator("details#now")
    expect(now.locator(".tag--now")).to_have_text("Now")
    box = now.bounding_box()
    assert 0 <= box["y"] < 100, f"#now is not at the top of the screen: {box}"
