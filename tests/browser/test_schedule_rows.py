"""The rows of /schedule and /venues/<id> that rows.js draws are those the server draws without scripts.

The server's templates (_hour_blocks.html, _session_row.html, the rule of hours.py) are what a browser
without scripts shows; rows.js (the rule of hours.js) draws the same list at load and after each change.
Both are read in Chromium, one page with scripts and one without, on each day and filter.
"""

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import PHONE

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
    rows: [...document.querySelectorAll("#schedule-list li.srow")].map((li) => [li.dataset.session, li.className, li.style.getPropertyValue("--track").trim()]),
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
