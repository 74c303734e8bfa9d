"""Search and speakers on a 390x844 phone: Korean on the embedded event, German on an imported camp.

The German event is Chaos Communication Camp 2019's real frab export (tests/data/import-examples),
imported with `import-schedule`'s code into a temporary directory and served from a fresh database.
"""

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, start_event_server
from tests.sources.conftest import EXAMPLES, venues_for
from webapp.sources.convert import import_schedule


@pytest.fixture(scope="module")
def camp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the imported Camp 2019 (German and English); yield its base URL."""
    workdir = tmp_path_factory.mktemp("camp")
    venues = workdir / "in-venues.geojson"
    venues.write_text(json.dumps(venues_for("frab-camp2019.json")))
    import_schedule(str(EXAMPLES / "frab-camp2019.json"), venues, out_dir=workdir / "out")
    env = {
        "VENUES_FILE": str(workdir / "out" / "venues.geojson"),
        "PROGRAM_FILE": str(workdir / "out" / "program.json"),
        "EVENT_NOW": "2019-08-22T14:00+02:00",
    }
    with start_event_server(workdir, **env) as base_url:
        yield base_url


def phone_page(browser_session, url: str) -> Page:
    page = browser_session.new_page(viewport=PHONE)
    page.goto(url)
    return page


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_german_search_typed_with_ue_finds_and_marks_the_umlaut(browser_session, camp, screenshot_dir):
    page = phone_page(browser_session, f"{camp}/schedule?lang=en")
    expect(page.locator("header .brand")).to_have_text("Chaos Communication Camp 2019")  # not "Camp2019"
    page.get_by_label("Search sessions and speakers").fill("ueberwachung")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(f"{camp}/schedule?q=ueberwachung")
    titles = page.locator("#search-results .srow__title")
    expect(titles.first).to_have_text("Die 5G-Überwachungsstandards")
    expect(titles.first.locator("mark")).to_have_text("Überwachung")
    # the speaker is a link to their page, with both their talks
    href = page.locator("#search-results .srow__speakers a", has_text="Erich Moechel").first.get_attribute(
        "href"
    )
    page = phone_page(browser_session, f"{camp}{href}?lang=en")
    expect(page.locator("h1")).to_have_text("Erich Moechel")
    expect(page.locator(".srow__title")).to_have_count(2)
    fits(page)
    page.screenshot(path=str(screenshot_dir / "search-speaker-de-390.png"))
    page.goto(f"{camp}/schedule?q=%C3%BCberwachung&lang=en")
    fits(page)
    page.screenshot(path=str(screenshot_dir / "search-schedule-de-390.png"))
    # directions abroad: OpenStreetMap, Google and Apple Maps, never KakaoMap
    page.goto(f"{camp}/venues/ziegeleipark?lang=en")
    assert page.locator(".directions a").evaluate_all("links => links.map(a => a.dataset.app)") == [
        "osm",
        "google",
        "apple",
    ]


def test_a_speaker_list_search_narrows_as_submitted(browser_session, camp):
    page = phone_page(browser_session, f"{camp}/speakers?lang=en")
    everyone = page.locator("#speaker-list li[data-speaker]").count()
    assert everyone > 50
    page.get_by_label("Find a speaker").fill("marc-andre")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#speaker-list li[data-speaker]")).to_have_count(1)
    expect(page.locator("#speaker-list mark")).to_have_text("Marc-André")
    fits(page)


def test_korean_search_without_spaces_on_a_phone(browser_session, live_server, screenshot_dir):
    page = phone_page(browser_session, f"{live_server}/schedule?lang=ko")
    page.get_by_label("세션·연사 검색").fill("의료데이터")
    page.get_by_role("button", name="검색", exact=True).click()
    results = page.locator("#search-results .srow__title")
    expect(results.first).to_be_visible()
    assert results.count() >= 3
    # "의료 데이터" with a space is found and marked across it
    expect(page.locator("#search-results mark", has_text="의료 데이터").first).to_be_visible()
    fits(page)
    page.screenshot(path=str(screenshot_dir / "search-schedule-ko-390.png"))
    # (new pages: on this busy machine the service worker's 3 s network timeout must not decide the test)
    page = phone_page(browser_session, f"{live_server}/speakers?lang=ko")
    href = page.locator("#speaker-list a", has_text="박현영").get_attribute("href")
    page = phone_page(browser_session, f"{live_server}{href}?lang=ko")
    expect(page.locator("h1")).to_have_text("박현영")
    expect(page.locator(".srow__title")).to_have_text("정밀의료와 보건의료 연구를 위한 빅데이터")
    fits(page)
    page.screenshot(path=str(screenshot_dir / "speaker-ko-390.png"))
    # Korean wraps between words: the rule is on the page
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).wordBreak") == "keep-all"


def test_track_pills_have_readable_text(browser_session, live_server):
    page = phone_page(browser_session, f"{live_server}/schedule?lang=en&day=2023-11-29")
    ratios = page.locator(".tag--track").evaluate_all(
        """pills => pills.map((pill) => {
            const lum = (rgb) => {
                const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map((c) => {
                    const v = c / 255;
                    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const style = getComputedStyle(pill);
            let node = pill, bg = "rgba(0, 0, 0, 0)";
            while (node && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) { bg = getComputedStyle(node).backgroundColor; node = node.parentElement; }
            if (bg === "rgba(0, 0, 0, 0)") bg = "rgb(255, 255, 255)";
            const [hi, lo] = [lum(style.color), lum(bg)].sort((x, y) => y - x);
            return (hi + 0.05) / (lo + 0.05);
        })"""
    )
    assert ratios and min(ratios) >= 4.5, ratios


def test_search_works_offline_from_the_cached_program(browser_session, live_server):
    page = browser_session.new_page(viewport=PHONE, service_workers="allow")
    page.goto(f"{live_server}/schedule?lang=ko")
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1")
    page.context.set_offline(True)
    page.goto(f"{live_server}/schedule?lang=ko&q=간호정보")
    results = page.locator("#schedule-list[data-searched=browser] .srow__title")
    expect(results).to_have_count(1)
    expect(results.first).to_have_text("간호정보학 세션")
    expect(results.first.locator("mark")).to_have_text("간호정보")
    page.context.set_offline(False)
