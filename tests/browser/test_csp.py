"""Every page runs under a Content-Security-Policy that refuses inline scripts, and breaks nothing."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AFTER_PENDING_WORK, own_server, settled, sign_in
from webapp.config import OSM_TILES

# Every violation the page reports, kept where the test can read it.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) =>
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
"""
ATTENDEE_PAGES = [
    "/",
    "/schedule",
    "/sessions/keynote-ohno-machado",
    "/venues/training-center",
    "/agenda",
    "/live",
    "/rooms/kins-7f-auditorium",
    "/api/docs",
    "/login",
]
STAFF_PAGES = ["/staff/", "/staff/log", "/staff/signage"]
MAP_PAGES = {"/", "/sessions/keynote-ohno-machado", "/venues/training-center"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The policy as deployed: tiles from the default tile server (its requests answered by tiles="png").
    with own_server(tmp_path_factory.mktemp("csp"), TILES_URL=OSM_TILES) as (base_url, _token):
        yield base_url


def open_watched(page: Page, url: str) -> dict[str, str]:
    """Open url recording CSP violations; return the page's response headers once it has settled."""
    response = page.goto(url)
    settled(page)  # module scripts, the socket and the map's layers have run
    return response.headers


def assert_policy(headers: dict[str, str], tiles: str = "https://tile.openstreetmap.org") -> None:
    """Check the page's CSP: no inline or eval'd script, no plugins or framing by others, images from the
    app and its tile source (the default tile host; "data:" on the test servers' data: URL tiles)."""
    policy = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ")}
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"] and tiles in policy["img-src"]


@pytest.mark.parametrize("path", ATTENDEE_PAGES)
def test_attendee_page_runs_with_no_csp_violation(browser_session, server, path) -> None:
    page = browser_session.new_page(tiles="png")
    page.add_init_script(RECORD_VIOLATIONS)
    headers = open_watched(page, f"{server}{path}?lang=en")
    assert_policy(headers)
    assert page.evaluate("window.cspViolations") == []
    if path in MAP_PAGES:  # folium's inline script ran (its nonce matched): the venues are on the map
        expect(page.locator(".leaflet-marker-icon.venue-marker")).not_to_have_count(0)


def test_staff_pages_run_with_no_csp_violation(browser_session, server) -> None:
    page = browser_session.new_page(tiles="png")
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, server)
    for path in STAFF_PAGES:
        assert_policy(open_watched(page, f"{server}{path}?lang=en"))
        assert page.evaluate("window.cspViolations") == [], path
    expect(page.locator("main")).to_be_visible()


def test_an_injected_inline_script_is_refused(browser_session, server) -> None:
    page = browser_session.new_page(tiles="png", allow_console=lambda m: "Content Security Policy" in m.text)
    page.add_init_script(RECORD_VIOLATIONS)
    open_watched(page, f"{server}/?lang=en")
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
        document.body.append(s); const i = document.createElement("img"); i.src = "data:image/png;base64,AAAA";
        i.setAttribute("onerror", "window.injected = 2"); document.body.append(i); }"""
    )
    page.wait_for_function(
        "() => window.cspViolations.length >= 2"
    )  # both refusals reported: then neither ran
    page.evaluate(AFTER_PENDING_WORK)
    assert page.evaluate("window.injected") is None
    violations = page.evaluate("window.cspViolations")
    assert len(violations) == 2 and all(v.startswith("script-src") for v in violations), violations


def test_every_rendering_has_a_new_nonce(browser_session, server) -> None:
    # A cached rendering keeps its nonce (web/pagecache.py); another rendering has its own.
    # A page each: once the service worker controls a page, it may answer a navigation itself.
    first = open_watched(browser_session.new_page(tiles="png"), f"{server}/?lang=en")[
        "content-security-policy"
    ]
    second = open_watched(browser_session.new_page(tiles="png"), f"{server}/?lang=ko")[
        "content-security-policy"
    ]
    assert "'nonce-" in first and "'nonce-" in second and first != second


def test_browser_tests_wait_on_functions_not_expressions() -> None:
    """Playwright evals a bare expression on every poll, which this CSP refuses once the first poll is past
    (an EvalError that shows only when the page is slow); a function is evaled once, inside the first poll."""
    import ast
    from pathlib import Path

    waits = bare = 0
    for path in Path(__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function":
                waits += 1
                first = node.args[0]
                literal = first.value if isinstance(first, ast.Constant) else None
                if isinstance(first, ast.JoinedStr) or (
                    literal is not None and "=>" not in literal.split("{")[0]
                ):
                    bare += 1
                    print(f"{path.name}:{node.lineno} waits on a bare expression")
    assert waits > 5 and bare == 0
