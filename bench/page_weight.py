"""Page weight of Venue Live's map page on a phone, against folium's default page.

Starts the app (serve.py on a free port, a temporary SQLite database, EVENT_NOW set), loads / in Chromium
at 390x844 and records every response's transferred size from the DevTools protocol
(Network.loadingFinished encodedDataLength: compressed body plus headers, as DevTools' "Transferred"),
with the Accept-Encoding Chromium itself sends. Map tiles are answered with a 1x1 PNG and counted apart.
It prints the responses by resource type and by origin, the total without tiles against the budget
(100 KiB) and whether the page used one origin only.

Then it renders folium's default map of the four venues and lists the CDN origins and files that page
loads. With --folium-sizes it fetches the same package versions from the npm registry (`npm pack`),
loads that page in Chromium with each CDN URL answered from those packages (so files Leaflet asks for at
run time, such as marker images, are found too) and prints each file's raw, gzip -9 and brotli size.

Run from the repository root: `.venv/bin/python bench/page_weight.py [--folium-sizes]`.
Exit status: 0 within budget on one origin, 1 over budget or on more origins, 2 when it cannot measure.
"""

import argparse
import contextlib
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the app starter is shared with the tests

from bench.lib.folium_page import folium_default_html, report_folium  # noqa: E402
from bench.lib.pagetools import (  # noqa: E402
    BUDGET_BYTES,
    EVENT_NOW,
    PHONE,
    TILE_PATTERN,
    CannotMeasureError,
    compressed_sizes,
    kib,
    print_table,
)
from tests.servers import CHROMIUM, CHROMIUM_ARGS, TILE_PNG, running_server  # noqa: E402

# --- The app --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def running_app() -> Iterator[str]:
    """Start serve.py on a free port with a fresh SQLite database; yield its base URL, then stop it."""
    with tempfile.TemporaryDirectory(prefix="venue-live-bench-") as tmp, contextlib.ExitStack() as stack:
        env = {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'venue-live.db'}", "EVENT_NOW": EVENT_NOW}
        try:
            base_url = stack.enter_context(running_server(Path(tmp), **env))
        except RuntimeError as exc:
            raise CannotMeasureError(str(exc)) from None
        yield base_url


# --- Measuring a page through the DevTools protocol -------------------------------------------------------


@dataclass
class Response:
    """One network response of the page."""

    url: str
    type: str
    status: int | None = None
    encoding: str = ""
    accept_encoding: str = ""
    transferred: int = 0  # encodedDataLength at loadingFinished: compressed body + headers
    decoded: int = 0  # body bytes after decoding
    header_bytes: int | None = None  # the response's status line and headers as received
    failed: str = ""
    offline: tuple[int, int, int | None] | None = None  # (raw, gzip -9, br q11) of the decoded body

    @property
    def body_on_wire(self) -> int:
        """Return the compressed body's bytes: transferred less the headers (when the headers are known)."""
        return self.transferred - (self.header_bytes or 0)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def is_tile(self) -> bool:
        return bool(TILE_PATTERN.match(self.url))


def launch(playwright):
    """Launch Debian's Chromium, or stop with a clear message."""
    if not Path(CHROMIUM).is_file():
        raise CannotMeasureError(f"{CHROMIUM} is missing: apt-get install chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class NetworkLog:
    """The page's responses and WebSockets as the DevTools protocol reports them."""

    def __init__(self) -> None:
        self.seen: dict[str, Response] = {}
        self.sockets: dict[str, dict] = {}  # WebSockets: live traffic, reported apart from the page's weight

    def _found(self, params: dict) -> Response | None:
        return self.seen.get(params["requestId"])

    def sent(self, params: dict) -> None:
        """Record a request (data: URLs aside)."""
        request = params["request"]
        if not request["url"].startswith("data:"):
            self.seen[params["requestId"]] = Response(url=request["url"], type=params.get("type", "Other"))

    def sent_extra(self, params: dict) -> None:
        """Record the Accept-Encoding the browser really sent."""
        headers = {k.lower(): v for k, v in params.get("headers", {}).items()}
        if (found := self._found(params)) is not None and "accept-encoding" in headers:
            found.accept_encoding = headers["accept-encoding"]

    def received(self, params: dict) -> None:
        """Record a response's status, encoding and type."""
        if (found := self._found(params)) is not None:
            headers = {k.lower(): v for k, v in params["response"].get("headers", {}).items()}
            found.status = params["response"]["status"]
            found.encoding = headers.get("content-encoding", "")
            found.type = params.get("type", found.type)

    def received_extra(self, params: dict) -> None:
        """Record the size of a response's headers as received."""
        if (found := self._found(params)) is not None and params.get("headersText"):
            found.header_bytes = len(params["headersText"].encode())

    def data(self, params: dict) -> None:
        """Add decoded body bytes."""
        if (found := self._found(params)) is not None:
            found.decoded += params["dataLength"]

    def finished(self, params: dict) -> None:
        """Record the bytes transferred (compressed body plus headers)."""
        if (found := self._found(params)) is not None:
            found.transferred = int(params["encodedDataLength"])

    def failed(self, params: dict) -> None:
        """Record why a request failed."""
        if (found := self._found(params)) is not None:
            found.failed = params.get("errorText", "failed")

    def socket_created(self, params: dict) -> None:
        """Record a WebSocket."""
        self.sockets[params["requestId"]] = {"url": params["url"], "received": 0, "sent": 0}

    def socket_frame(self, direction: str):
        """Return a handler adding a WebSocket frame's bytes to direction (sent or received)."""

        def record(params: dict) -> None:
            if (found := self.sockets.get(params["requestId"])) is not None:
                found[direction] += len(params["response"].get("payloadData", "").encode())

        return record

    def attach(self, cdp) -> None:
        """Listen to the Network domain of a DevTools session, with the cache disabled."""
        cdp.on("Network.webSocketCreated", self.socket_created)
        cdp.on("Network.webSocketFrameReceived", self.socket_frame("received"))
        cdp.on("Network.webSocketFrameSent", self.socket_frame("sent"))
        for event, handler in (
            ("requestWillBeSent", self.sent),
            ("requestWillBeSentExtraInfo", self.sent_extra),
            ("responseReceived", self.received),
            ("responseReceivedExtraInfo", self.received_extra),
            ("dataReceived", self.data),
            ("loadingFinished", self.finished),
            ("loadingFailed", self.failed),
        ):
            cdp.on(f"Network.{event}", handler)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})


def measure(browser, url: str) -> tuple[list[Response], list[dict]]:
    """Load url at phone size with tiles stubbed; return its responses (no data: URLs) and WebSockets."""
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport=PHONE, locale="en-US")
    try:
        context.route(
            TILE_PATTERN, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
        )
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        log = NetworkLog()
        bodies = []  # Playwright's responses, for their decoded bodies once the page has loaded
        page.on("response", lambda response: bodies.append(response))
        log.attach(cdp)
        try:
            page.goto(url, wait_until="networkidle")
        except PlaywrightError as exc:
            raise CannotMeasureError(f"{url} did not load: {exc.message.splitlines()[0]}") from None
        page.wait_for_timeout(500)  # late events (favicon, loadingFinished) arrive
        cdp.detach()
        by_url = {r.url: r for r in log.seen.values() if not r.is_tile}
        for response in bodies:
            if (found := by_url.get(response.url)) is not None and found.offline is None:
                found.offline = compressed_sizes(response.body(), response.url)
        return list(log.seen.values()), list(log.sockets.values())
    finally:
        context.close()


@dataclass
class OurTotals:
    """Our page's totals without tiles."""

    transferred: int  # what the budget is about: bytes on the wire, headers included
    body: int  # compressed bodies only, as the server sent them
    gzip9: int  # the same bodies compressed offline with gzip -9, the scale folium's files are given in
    br11: int  # ... and with brotli quality 11
    origins: set[str]


def _offline(r: Response, i: int) -> int:
    return r.offline[i] if r.offline and r.offline[i] is not None else 0


def print_responses(assets: list[Response]) -> None:
    """Print every response (tiles aside), the largest first, and the Accept-Encoding Chromium sent."""
    print("Responses (tiles left out); transferred = body on the wire + headers:")
    head = [
        "type",
        "status",
        "encoding",
        "transferred B",
        "body B",
        "decoded B",
        "gzip -9 B",
        "br q11 B",
        "url",
    ]
    rows = []
    for r in sorted(assets, key=lambda r: -r.transferred):
        parts = urlsplit(r.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        rows.append([r.type, r.status or r.failed, r.encoding or "-", r.transferred, r.body_on_wire, r.decoded,
                     _offline(r, 1), _offline(r, 2), path])  # fmt: skip
    print_table(head, rows, right={3, 4, 5, 6, 7})
    sent = sorted({r.accept_encoding for r in assets if r.accept_encoding})
    print(f"Accept-Encoding sent by Chromium: {', '.join(repr(s) for s in sent) or 'not seen'}")
    print()


def print_groups(assets: list[Response], responses: list[Response], sockets: list[dict]) -> None:
    """Print the totals by resource type and by origin, and the WebSockets' traffic."""
    by_type: dict[str, list[Response]] = defaultdict(list)
    for r in assets:
        by_type[r.type].append(r)
    print("By resource type:")
    print_table(
        ["type", "requests", "transferred KiB", "decoded KiB"],
        [
            [t, len(rs), kib(sum(r.transferred for r in rs)), kib(sum(r.decoded for r in rs))]
            for t, rs in sorted(by_type.items(), key=lambda kv: -sum(r.transferred for r in kv[1]))
        ],
        right={1, 2, 3},
    )
    print()
    by_origin: dict[str, list[Response]] = defaultdict(list)
    for r in responses:
        by_origin[r.origin + ("  (tiles, stubbed 1x1 PNG)" if r.is_tile else "")].append(r)
    print("By origin:")
    print_table(
        ["origin", "requests", "transferred KiB"],
        [[o, len(rs), kib(sum(r.transferred for r in rs))] for o, rs in sorted(by_origin.items())],
        right={1, 2},
    )
    print()
    for socket_ in sockets:
        print(
            f"WebSocket {socket_['url']}: {socket_['received']} B received, {socket_['sent']} B sent "
            "in frames while loading (live traffic, not counted in the weight)"
        )


def report_ours(responses: list[Response], sockets: list[dict], budget: int) -> OurTotals:
    """Print our page's tables and verdicts; return its totals (WebSockets count as origins, not weight)."""
    assets = [r for r in responses if not r.is_tile]
    tiles = [r for r in responses if r.is_tile]
    print_responses(assets)
    print_groups(assets, responses, sockets)
    socket_origins = {f"{urlsplit(w['url']).hostname}:{urlsplit(w['url']).port}" for w in sockets}
    totals = OurTotals(
        transferred=sum(r.transferred for r in assets),
        body=sum(r.body_on_wire for r in assets),
        gzip9=sum(_offline(r, 1) for r in assets),
        br11=sum(_offline(r, 2) for r in assets),
        origins={r.origin for r in assets}
        | {o for o in socket_origins if not any(o == urlsplit(r.url).netloc for r in assets)},
    )
    verdict = "PASS" if totals.transferred <= budget else "OVER"
    print(f"Tiles: {len(tiles)} requests at first view (answered locally; not counted).")
    print(
        f"Total without tiles: {totals.transferred} B = {kib(totals.transferred)} KiB transferred in "
        f"{len(assets)} requests (bodies {kib(totals.body)} KiB; offline gzip -9 {kib(totals.gzip9)} KiB, "
        f"br q11 {kib(totals.br11)} KiB)"
    )
    print(f"Budget {kib(budget)} KiB: {verdict}")
    print(
        f"Origins besides tiles: {len(totals.origins)} ({', '.join(sorted(totals.origins))}): "
        f"{'one origin only' if len(totals.origins) == 1 else 'MORE THAN ONE ORIGIN'}"
    )
    return totals


# --- folium's default page --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and measure; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folium-sizes", action="store_true", help="size folium's CDN files via `npm pack`")
    parser.add_argument("--path", default="/", help="page to measure (default: /)")
    parser.add_argument(
        "--budget-kb", type=float, default=BUDGET_BYTES / 1024, help="budget in KiB (default 100)"
    )
    parser.add_argument(
        "--base-url", help="measure an app already running there instead of starting serve.py"
    )
    args = parser.parse_args(argv)
    budget = int(args.budget_kb * 1024)

    try:
        return run(args, budget)
    except CannotMeasureError as exc:
        print(f"page_weight: cannot measure: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, budget: int) -> int:
    """Measure our page (and folium's), print the tables; return the exit status."""
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        base_url = args.base_url.rstrip("/") if args.base_url else stack.enter_context(running_app())
        playwright = stack.enter_context(sync_playwright())
        browser = launch(playwright)
        stack.callback(browser.close)
        url = base_url + args.path
        print(
            f"Venue Live {url} in Chromium {browser.version}, viewport {PHONE['width']}x{PHONE['height']}\n"
        )
        ours = report_ours(*measure(browser, url), budget)
        print()
        folium = report_folium(folium_default_html(), args.folium_sizes, browser)
    if folium:
        gz, br, folium_origins = folium
        print()
        print("Ours against folium's default page, tiles left out of both, bodies compressed offline alike:")
        print_table(
            ["page", "gzip -9 KiB", "br q11 KiB", "origins"],
            [
                ["Venue Live /", kib(ours.gzip9), kib(ours.br11), len(ours.origins)],
                ["folium default", kib(gz), kib(br), len(folium_origins) + 1],
            ],
            right={1, 2, 3},
        )
    return 0 if ours.transferred <= budget and len(ours.origins) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
