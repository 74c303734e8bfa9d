"""Every page passes axe-core with no serious or critical violation, in Korean and English, on a phone."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROOT, sign_in

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/",
    "/schedule",
    "/agenda",
    "/venues/gravity-pangyo",
    "/venues/training-center",
    "/sessions/keynote-ohno-machado",
    "/live",
    "/rooms/kins-7f-auditorium",
    "/api/docs",
    "/login",
]


def serious_violations(page: Page) -> list[str]:
    """Run axe-core on the page; return the serious and critical violations, one line each."""
    # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline scripts.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violations(browser_session, live_server, path, lang) -> None:
    page = browser_session.new_page()
    page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}")
    expect(page.locator("main")).to_be_visible()
    assert serious_violations(page) == []


def test_staff_console_has_no_serious_accessibility_violations(browser_session, live_server) -> None:
    page = browser_session.new_page()
    sign_in(page, live_server)
    assert serious_violations(page) == []
    page.goto(f"{live_server}/staff/log")
    assert serious_violations(page) == []
