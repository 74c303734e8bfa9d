"""The rows of /schedule and /venues/<id> that rows.js draws are those the server draws without scripts.

The server's templates (_hour_blocks.html, _session_row.html, the rule of hours.py) are what a browser
without scripts shows; rows.js (the rule of hour-blocks.js) draws the same list at load and after each change.
Both are read in Chromium, one page with scripts and one without, on each day and filter.
"""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE, next_change_applied, open_live, own_server

NOW = "2023-11-30T14:00:00+09:00"
# On at 14:00 on 30 Nov in KINS Tower's 7F Auditorium (as in test_live_equals_reload.py).
S = "north-america-investment"

# Regions drawn by rows.js (and by the server for a browser without scripts).
READ = """() => {
  const norm = (text) => (text ?? "").replace(/\\s+/g, " ").trim();
  // Stars show only with scripts (star.js): not part of the rows' drawing.
  for (const star of document.querySelectorAll(".srow__star")) star.hidden = true;
  const shown = (node) => !node.closest("[hidden]");
  const parts = ["#schedule-list", "#schedule-count", ".schedule-bar", "[data-room-now-next]"];
  const found = parts.flatMap((selector) => [...document.querySelectorAll(selector)]);
  return {
    text: found.map((node) => norm(node.innerText)),
    links: found.flatMap((node) => [...node.querySelectorAll("a[href]")].filter(shown).map((a) => a.getAttribute("href"))),
    open: [...document.querySelectorAll("#schedule-list details")].map((d) => [d.id, d.className, d.open]),
    rows: [...document.querySelectorAll("#schedule-list li.srow")].map((li) => [li.dataset.session, li.className.replace(" is-updated", ""), li.style.getPropertyValue("--track").trim()]),
  };
}"""

PATHS = [
    "/schedule",
    "/schedule?day=2023-11-30",
    "/schedule?venue=kins-tower&day=2023-11-30",
    "/schedule?track=north-america&day=2023-11-30",
    "/schedule?room=kins-7f-auditorium",
    "/venues/kins-tower",
    "/venues/kins-tower?day=2023-11-30",
    "/venues/healthcare-innovation-park",
    "/schedule?q=north",
    "/schedule?q=7F&venue=kins-tower",
]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", PATHS)
def test_rows_drawn_by_the_script_equal_the_servers(
    browser: Browser, live_server: str, path: str, lang: str
) -> None:
    url = f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}"
    seen = {}
    for scripts in (True, False):
        context = browser.new_context(viewport=PHONE, java_script_enabled=scripts, locale=f"{lang}-KR")
        try:
            page = context.new_page()
            page.goto(url, wait_until="networkidle")
            if scripts:
                page.wait_for_function("() => !!window.venueRowsDrawn")
            seen[scripts] = page.evaluate(READ)
        finally:
            context.close()
    assert seen[True]["rows"], "the page shows no rows"
    assert seen[True] == seen[False]


def test_search_results_follow_a_change_without_a_reload(
    browser_session, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A filtered search's result moved out of the venue drops out; moved back, it is there again, as on a load."""
    path = "/schedule?q=investment&venue=kins-tower&lang=en"
    with own_server(tmp_path_factory.mktemp("search-rows"), EVENT_NOW=NOW) as (base_url, token):
        page = open_live(browser_session.new_page(), f"{base_url}{path}")
        row = page.locator(f'#search-results li[data-session="{S}"]')
        expect(row).to_be_visible()
        shown = page.evaluate(READ)
        move = {"kind": "move", "session": S, "allow_clash": True}
        next_change_applied(page, base_url, token, {**move, "room": "hip-seminar-room-a"})
        expect(row).to_have_count(0)
        assert page.evaluate(READ)["text"] != shown["text"]
        next_change_applied(page, base_url, token, {**move, "room": "kins-7f-auditorium"})
        expect(row).to_be_visible()
        fresh = browser_session.new_page()
        fresh.goto(f"{base_url}{path}", wait_until="networkidle")
        assert page.evaluate(READ) == fresh.evaluate(READ) == shown
        assert browser_session.problems() == []
