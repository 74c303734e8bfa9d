"""Browser tests: the real app (serve.py) in a subprocess, driven by Debian's Chromium through Playwright.

Product rule: a browser test fails on any console error or uncaught page error. Every page opened through
`browser_session` (and so `page`) is watched; after the test body, `pytest_runtest_call` below turns what
was recorded into a test failure, and a failed test leaves a screenshot under var/test-artifacts/.

There is no internet here: the servers the tests start draw their map tiles from a data: URL (a 1x1 PNG),
so tiles never leave the machine and no request needs routing. Playwright's routing is kept for the tests
about the tile server itself: any route turns interception on for the whole context, and Chromium's HTTP
cache off, and makes every request wait on the driver (crNetworkManager: Fetch.enable for "*").
"""

import base64
import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Request,
    expect,
    sync_playwright,
)

from tests.servers import CHROMIUM, CHROMIUM_ARGS, TILE_PNG, post_change, run_flask, running_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = ROOT / "var" / "test-artifacts"
SCREENSHOTS_DIR = ROOT / "var" / "screenshots"

EVENT_NOW = "2023-11-29T10:30:00+09:00"
# The app's default TILES_URL (webapp/config.py OSM_TILES); the server is started without TILES_URL.
TILE_HOST = "tile.openstreetmap.org"
TILE_PATTERN = re.compile(rf"^https?://{re.escape(TILE_HOST)}/")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def is_tile_url(url: str) -> bool:
    """Tell whether url is a map tile."""
    return bool(TILE_PATTERN.match(url))


def is_tile_console_message(message: ConsoleMessage) -> bool:
    """Tell whether a console message was caused by a tile URL (e.g. 'Failed to load resource')."""
    return is_tile_url(message.location.get("url") or "") or TILE_HOST in message.text


# --- The app -------------------------------------------------------------------------------------------


STAFF_NAME, STAFF_PASSWORD = "alice", "browser-tests-password"


# The map's tiles as the test servers serve them: no request leaves the page for them.
DATA_TILES = "data:image/png;base64," + base64.b64encode(TILE_PNG).decode()


def start_event_server(workdir: Path, **env: str):
    """Return a running serve.py (a context manager yielding its URL) on a fresh database with one staff account.

    Its tiles are DATA_TILES unless env gives TILES_URL (the tile server's own tests give the default's)."""
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}",
        "EVENT_NOW": EVENT_NOW,
        "TILES_URL": DATA_TILES,
        **env,
    }
    try:
        run_flask(["db", "upgrade"], env)
        run_flask(["staff", "create", STAFF_NAME], env, stdin=STAFF_PASSWORD + "\n")
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    return running_server(workdir, **env)


@contextmanager
def own_server(workdir: Path, **env: str) -> Iterator[tuple[str, str]]:
    """Run a server of a test module's own (its tests change the program); yield its URL and a bearer token."""
    with start_event_server(workdir, **env) as base_url:
        token = run_flask(
            ["staff", "token", STAFF_NAME], {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}"}
        )
        yield base_url, token.strip()


def sign_in(page: Page, base_url: str) -> None:
    """Sign in as the test staff account on the login page and wait for the staff console."""
    page.goto(f"{base_url}/login?lang=en")
    page.get_by_label("Name").fill(STAFF_NAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/staff/")


# Applied changes, in the order the page applied them.
RECORD_APPLIED = """
window.appliedSeqs = [];
document.addEventListener("venue-live:change", (event) => window.appliedSeqs.push(event.detail.seq));
"""


# Resolves after a frame and then a task: whatever the page had queued before has run by then.
AFTER_PENDING_WORK = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))"


def settled(page: Page) -> None:
    """Wait for positive signs that what a page started on load has run, before checking that something
    did not happen: its network quiet (module scripts, images, tiles), its socket live where it has one,
    then a frame and a task after that."""
    page.wait_for_load_state("networkidle")
    if page.locator("#conn").count():
        expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.evaluate(AFTER_PENDING_WORK)


def next_change_applied(page: Page, base_url: str, token: str, change: dict) -> dict:
    """Post change and wait until page (opened with open_live) has applied it. A page applies changes in
    order, so everything sent to it before has arrived and been applied too: an absence checked after
    this is not just something late."""
    made = post_change(base_url, token, change)
    page.wait_for_function("(seq) => window.appliedSeqs.includes(seq)", arg=made["seq"])
    page.evaluate(AFTER_PENDING_WORK)
    return made


def open_live(page: Page, url: str) -> Page:
    """Open url, recording the changes the page applies, and wait until it is live."""
    page.add_init_script(RECORD_APPLIED)
    page.goto(url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    return page


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start serve.py on a free port with a fresh SQLite database; yield its base URL."""
    with start_event_server(tmp_path_factory.mktemp("live-server")) as base_url:
        yield base_url


# --- The browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium; skip without it, except in CI (REQUIRE_SERVICES=1), where that fails."""
    if not Path(CHROMIUM).is_file():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 and {reason}", pytrace=False)
        pytest.skip(reason)
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()


@dataclass
class PageLog:
    """What one page did: every request and WebSocket URL, failed requests, console and page errors."""

    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    allowed_console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        """Return the host of every network request (data: and blob: URLs have none and are left out)."""
        return {host for url in self.requests if (host := urlsplit(url).hostname)}

    def problems(self) -> list[str]:
        """Return the console errors and page errors that fail a test."""
        return [f"console error: {m}" for m in self.console_errors] + [
            f"page error: {e}" for e in self.page_errors
        ]


class BrowserSession:
    """The pages one test opens, each in its own context (no shared cookies), all watched for errors."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._contexts: list[BrowserContext] = []
        self._logs: dict[int, PageLog] = {}
        self.pages: list[Page] = []

    def new_page(
        self,
        *,
        viewport: dict[str, int] | None = None,
        tiles: str = "none",
        allow_console: Callable[[ConsoleMessage], bool] | None = None,
        locale: str = "en-US",
        service_workers: str = "block",
    ) -> Page:
        """Open a page. tiles: "none" routes nothing (the test servers' tiles are a data: URL); for a server
        drawing from the tile host, "png" answers its requests with a 1x1 PNG and "abort" fails them.

        No service worker unless asked for (service_workers="allow": the offline and push tests): a page
        load then always comes from the server, as it did when routing bypassed the worker."""
        context = self._browser.new_context(
            viewport=viewport or PHONE, locale=locale, service_workers=service_workers
        )
        self._contexts.append(context)
        if tiles == "png":
            context.route(
                TILE_PATTERN, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
            )
        elif tiles == "abort":
            context.route(TILE_PATTERN, lambda route: route.abort("failed"))
        elif tiles != "none":  # "none": no routing at all (Chromium bypasses service workers when routing)
            raise ValueError(f"tiles must be 'png', 'abort' or 'none', not {tiles!r}")
        page = context.new_page()
        log = PageLog()

        def on_console(message: ConsoleMessage) -> None:
            if message.type != "error":
                return
            where = message.location.get("url") or ""
            text = f"{message.text} ({where})" if where else message.text
            if allow_console is not None and allow_console(message):
                log.allowed_console_errors.append(text)
            else:
                log.console_errors.append(text)

        def on_request_failed(request: Request) -> None:
            log.failed_requests.append(request.url)

        page.on("request", lambda request: log.requests.append(request.url))
        page.on("websocket", lambda socket: log.requests.append(socket.url))  # not a "request" event
        page.on("requestfailed", on_request_failed)
        page.on("console", on_console)
        page.on("pageerror", lambda error: log.page_errors.append(error.stack or error.message))
        self._logs[id(page)] = log
        self.pages.append(page)
        return page

    def log(self, page: Page) -> PageLog:
        """Return what page recorded."""
        return self._logs[id(page)]

    def problems(self) -> list[str]:
        """Return every console error and page error of every page, after letting pending events arrive."""
        for page in self.pages:
            if not page.is_closed():
                # A round trip after the page's queued work: its messages so far have arrived. (A page
                # gone or navigating raises: what it logged is all there will be.)
                with contextlib.suppress(Error):
                    page.evaluate(AFTER_PENDING_WORK)
        found = []
        for n, page in enumerate(self.pages):
            found.extend(f"[page {n}: {page.url}] {p}" for p in self.log(page).problems())
        return found

    def save_failure_artifacts(self, name: str) -> list[Path]:
        """Save a screenshot of every open page, and what each page logged, under var/test-artifacts/."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        saved = []
        for n, page in enumerate(self.pages):
            notes, picture = ARTIFACTS_DIR / f"{name}-{n}.txt", ARTIFACTS_DIR / f"{name}-{n}.png"
            log = self.log(page)
            lines = [
                f"url: {page.url}",
                *log.problems(),
                *(f"allowed: {m}" for m in log.allowed_console_errors),
            ]
            notes.write_text("\n".join(lines) + "\n")
            if not page.is_closed():
                try:
                    page.screenshot(path=str(picture), full_page=True)
                    saved.append(picture)
                except Exception as exc:  # a screenshot must never hide the real failure
                    with notes.open("a") as handle:
                        handle.write(f"screenshot failed: {exc}\n")
        return saved

    def close(self) -> None:
        """Close every context this test opened."""
        for context in self._contexts:
            context.close()


_SESSION_KEY = pytest.StashKey[BrowserSession]()
_REPORTS_KEY = pytest.StashKey[dict]()


@pytest.fixture
def browser_session(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserSession]:
    """Pages for one test; a failed test leaves screenshots under var/test-artifacts/."""
    session = BrowserSession(browser)
    request.node.stash[_SESSION_KEY] = session
    try:
        yield session
    finally:
        reports = request.node.stash.get(_REPORTS_KEY, {})
        if any(report.failed for report in reports.values()):
            session.save_failure_artifacts(re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.nodeid).strip("_"))
        session.close()


@pytest.fixture
def page(browser_session: BrowserSession) -> Page:
    """A phone-sized page (390x844, en-US)."""
    return browser_session.new_page()


@pytest.fixture
def page_log(browser_session: BrowserSession, page: Page) -> PageLog:
    """What `page` recorded: requests (URLs and hosts), console errors, page errors."""
    return browser_session.log(page)


@pytest.fixture
def tile_host() -> str:
    """The host the map loads its tiles from (the app's default TILES_URL)."""
    return TILE_HOST


@pytest.fixture
def tile_error_filter() -> Callable[[ConsoleMessage], bool]:
    """A console allow-list for tests that make tiles fail on purpose: messages caused by tile URLs."""
    return is_tile_console_message


@pytest.fixture
def screenshot_dir() -> Path:
    """Where kept screenshots go: var/screenshots/ (created)."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Fail a browser test that passed its own checks when a page logged a console or page error."""
    result = yield
    session = item.stash.get(_SESSION_KEY, None)
    if session is not None:
        problems = session.problems()
        if problems:
            pytest.fail("The browser reported errors:\n" + "\n".join(problems), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's final report on the item (an expected failure, xfail, is not 'failed')."""
    report = yield
    item.stash.setdefault(_REPORTS_KEY, {})[report.when] = report
    return report
