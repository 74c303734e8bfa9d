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
import gzip
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the app starter is shared with the tests

from tests.servers import CHROMIUM, CHROMIUM_ARGS, TILE_PNG, running_server  # noqa: E402

PHONE = {"width": 390, "height": 844}
EVENT_NOW = "2023-11-29T10:30:00+09:00"
BUDGET_BYTES = 100 * 1024
TILE_HOST = "tile.openstreetmap.org"  # the app's default TILES_URL host, and folium's
TILE_PATTERN = re.compile(rf"^https?://{re.escape(TILE_HOST)}/")
FOLIUM_PAGE_URL = "http://folium-default.invalid/map.html"
CONTENT_TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}


class CannotMeasureError(Exception):
    """The benchmark cannot run: no Chromium, the app does not start, npm fails."""


def kib(n: int | float) -> str:
    """Format bytes as KiB with one decimal."""
    return f"{n / 1024:.1f}"


def print_table(headers: list[str], rows: list[list], right: set[int] | None = None) -> None:
    """Print rows as a plain fixed-width table; columns in right are right-aligned."""
    right = right or set()
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    print(line(cells[0]).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row).rstrip())


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
        seen: dict[str, Response] = {}
        sockets: dict[str, dict] = {}  # WebSockets: live traffic, reported apart from the page's weight
        bodies = []  # Playwright's responses, for their decoded bodies once the page has loaded
        page.on("response", lambda response: bodies.append(response))

        def sent(params: dict) -> None:
            request = params["request"]
            if not request["url"].startswith("data:"):
                seen[params["requestId"]] = Response(url=request["url"], type=params.get("type", "Other"))

        def sent_extra(params: dict) -> None:
            headers = {k.lower(): v for k, v in params.get("headers", {}).items()}
            if params["requestId"] in seen and "accept-encoding" in headers:
                seen[params["requestId"]].accept_encoding = headers["accept-encoding"]

        def received(params: dict) -> None:
            if (found := seen.get(params["requestId"])) is not None:
                headers = {k.lower(): v for k, v in params["response"].get("headers", {}).items()}
                found.status = params["response"]["status"]
                found.encoding = headers.get("content-encoding", "")
                found.type = params.get("type", found.type)

        def received_extra(params: dict) -> None:
            if (found := seen.get(params["requestId"])) is not None and params.get("headersText"):
                found.header_bytes = len(params["headersText"].encode())

        def data(params: dict) -> None:
            if (found := seen.get(params["requestId"])) is not None:
                found.decoded += params["dataLength"]

        def finished(params: dict) -> None:
            if (found := seen.get(params["requestId"])) is not None:
                found.transferred = int(params["encodedDataLength"])

        def failed(params: dict) -> None:
            if (found := seen.get(params["requestId"])) is not None:
                found.failed = params.get("errorText", "failed")

        def socket_created(params: dict) -> None:
            sockets[params["requestId"]] = {"url": params["url"], "received": 0, "sent": 0}

        def socket_frame(direction: str):
            def record(params: dict) -> None:
                if (found := sockets.get(params["requestId"])) is not None:
                    found[direction] += len(params["response"].get("payloadData", "").encode())

            return record

        cdp.on("Network.webSocketCreated", socket_created)
        cdp.on("Network.webSocketFrameReceived", socket_frame("received"))
        cdp.on("Network.webSocketFrameSent", socket_frame("sent"))
        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.requestWillBeSentExtraInfo", sent_extra)
        cdp.on("Network.responseReceived", received)
        cdp.on("Network.responseReceivedExtraInfo", received_extra)
        cdp.on("Network.dataReceived", data)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        try:
            page.goto(url, wait_until="networkidle")
        except PlaywrightError as exc:
            raise CannotMeasureError(f"{url} did not load: {exc.message.splitlines()[0]}") from None
        page.wait_for_timeout(500)  # late events (favicon, loadingFinished) arrive
        cdp.detach()
        by_url = {r.url: r for r in seen.values() if not r.is_tile}
        for response in bodies:
            if (found := by_url.get(response.url)) is not None and found.offline is None:
                found.offline = compressed_sizes(response.body(), response.url)
        return list(seen.values()), list(sockets.values())
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


def report_ours(responses: list[Response], sockets: list[dict], budget: int) -> OurTotals:
    """Print our page's tables and verdicts; return its totals (WebSockets count as origins, not weight)."""
    assets = [r for r in responses if not r.is_tile]
    tiles = [r for r in responses if r.is_tile]

    def offline(r: Response, i: int) -> int:
        return r.offline[i] if r.offline and r.offline[i] is not None else 0

    print("Responses (tiles left out); transferred = body on the wire + headers:")
    print_table(
        [
            "type",
            "status",
            "encoding",
            "transferred B",
            "body B",
            "decoded B",
            "gzip -9 B",
            "br q11 B",
            "url",
        ],
        [
            [
                r.type,
                r.status or r.failed,
                r.encoding or "-",
                r.transferred,
                r.body_on_wire,
                r.decoded,
                offline(r, 1),
                offline(r, 2),
                urlsplit(r.url).path + (f"?{urlsplit(r.url).query}" if urlsplit(r.url).query else ""),
            ]
            for r in sorted(assets, key=lambda r: -r.transferred)
        ],
        right={3, 4, 5, 6, 7},
    )
    sent = sorted({r.accept_encoding for r in assets if r.accept_encoding})
    print(f"Accept-Encoding sent by Chromium: {', '.join(repr(s) for s in sent) or 'not seen'}")
    print()

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
    socket_origins = {f"{urlsplit(w['url']).hostname}:{urlsplit(w['url']).port}" for w in sockets}
    totals = OurTotals(
        transferred=sum(r.transferred for r in assets),
        body=sum(r.body_on_wire for r in assets),
        gzip9=sum(offline(r, 1) for r in assets),
        br11=sum(offline(r, 2) for r in assets),
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


def venue_points() -> list[tuple[str, float, float]]:
    """Return (English name, lat, lon) of each venue in venues.geojson."""
    data = json.loads((ROOT / "venues.geojson").read_text(encoding="utf-8"))
    points = []
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        name = feature["properties"]["name"]
        points.append((name["en"] if isinstance(name, dict) else str(name), lat, lon))
    return points


def folium_default_html() -> str:
    """Render folium's default map with one default Marker and popup per venue."""
    import folium  # imported here: only this part needs it

    fmap = folium.Map(location=[37.37, 127.11], zoom_start=12)
    for name, lat, lon in venue_points():
        folium.Marker(location=[lat, lon], popup=name).add_to(fmap)
    return fmap.get_root().render()


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.assets.append(("script", values["src"]))
        elif tag == "link" and values.get("href") and "stylesheet" in (values.get("rel") or ""):
            self.assets.append(("stylesheet", values["href"]))


def page_assets(html: str) -> list[tuple[str, str]]:
    """Return the (kind, URL) of each script and stylesheet a page links."""
    parser = _AssetParser()
    parser.feed(html)
    return parser.assets


def npm_source(url: str) -> tuple[str, str] | None:
    """Return (npm package@version, file in the package) for a CDN URL, or None when npm has no copy."""
    parts = urlsplit(url)
    if parts.netloc == "cdn.jsdelivr.net" and (
        m := re.match(r"^/npm/((?:@[^/]+/)?[^/@]+)@([^/]+)/(.+)$", parts.path)
    ):
        return f"{m[1]}@{m[2]}", m[3]
    if parts.netloc == "code.jquery.com" and (
        m := re.match(r"^/jquery-(\d+\.\d+\.\d+)(\.min)?\.js$", parts.path)
    ):
        return f"jquery@{m[1]}", f"dist/jquery{m[2] or ''}.js"
    if parts.netloc == "cdnjs.cloudflare.com" and (
        m := re.match(r"^/ajax/libs/Leaflet\.awesome-markers/([^/]+)/(.+)$", parts.path)
    ):
        # The same 2.0.2 release, republished on npm as drmonty-leaflet-awesome-markers (js/ and css/).
        folder = "js" if m[2].endswith(".js") else "css"
        return f"drmonty-leaflet-awesome-markers@{m[1]}", f"{folder}/{m[2]}"
    return None  # e.g. bootstrap 3.0.0's glyphicons CSS, a file from folium's GitHub repository


def npm_files(specs: set[str], workdir: Path) -> dict[str, dict[str, bytes]]:
    """`npm pack` each package@version; return {spec: {path in package: bytes}}."""
    if not specs:
        return {}
    done = subprocess.run(
        ["npm", "pack", *sorted(specs), "--pack-destination", str(workdir), "--json", "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CannotMeasureError(f"npm pack failed ({done.returncode}):\n{done.stderr[-3000:]}")
    packed = json.loads(done.stdout)
    files: dict[str, dict[str, bytes]] = {}
    for spec, entry in zip(sorted(specs), packed, strict=True):
        contents: dict[str, bytes] = {}
        with tarfile.open(workdir / entry["filename"], "r:gz") as archive:
            for member in archive.getmembers():
                if member.isfile() and (handle := archive.extractfile(member)) is not None:
                    with handle:
                        contents[member.name.split("/", 1)[1]] = handle.read()
        files[spec] = contents
    return files


ALREADY_COMPRESSED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2"}


def compressed_sizes(body: bytes, url: str = "") -> tuple[int, int, int | None]:
    """Return (raw, gzip -9, brotli q11 or None without brotli) sizes of body; images and fonts stay raw."""
    if Path(urlsplit(url).path).suffix.lower() in ALREADY_COMPRESSED:
        return len(body), len(body), len(body)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(body)
    try:
        import brotli  # installed with Flask-Compress
    except ImportError:
        return len(body), len(buffer.getvalue()), None
    return len(body), len(buffer.getvalue()), len(brotli.compress(body, quality=11))


def load_folium_page(browser, html: str, files: dict[str, dict[str, bytes]]) -> list[str]:
    """Load folium's page with every CDN URL answered from the npm packages; return the URLs it asked for."""
    context = browser.new_context(viewport=PHONE, locale="en-US")
    requested: list[str] = []

    def answer(route) -> None:
        url = route.request.url
        if url == FOLIUM_PAGE_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif TILE_PATTERN.match(url):
            route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
        elif (source := npm_source(url)) and source[1] in files.get(source[0], {}):
            content_type = CONTENT_TYPES.get(Path(source[1]).suffix, "application/octet-stream")
            route.fulfill(status=200, content_type=content_type, body=files[source[0]][source[1]])
        else:
            route.fulfill(status=404, content_type="text/plain", body="not on npm")

    try:
        context.route("**/*", answer)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(FOLIUM_PAGE_URL, wait_until="networkidle")
        page.wait_for_timeout(300)
    finally:
        context.close()
    return [u for u in dict.fromkeys(requested) if not u.startswith("data:")]


def report_folium(html: str, with_sizes: bool, browser) -> tuple[int, int | None, set[str]] | None:
    """Print folium's default page's assets (and their sizes); return (gzip total, br total, origins)."""
    assets = page_assets(html)
    origins = sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for _, u in assets})
    print(
        f"folium default page ({len(html)} B of HTML) links {len(assets)} files from {len(origins)} outside origins:"
    )
    print_table(
        ["kind", "origin", "path", "on npm as"],
        [
            [kind, urlsplit(u).netloc, urlsplit(u).path, " ".join(npm_source(u) or ("-", "(not on npm)"))]
            for kind, u in assets
        ],
    )
    if not with_sizes:
        print("(sizes: run with --folium-sizes, which fetches these package versions from the npm registry)")
        return None
    print()
    specs = {source[0] for _, u in assets if (source := npm_source(u))}
    with tempfile.TemporaryDirectory(prefix="folium-npm-") as tmp:
        files = npm_files(specs, Path(tmp))
    requested = load_folium_page(browser, html, files)
    outside = [u for u in requested if u != FOLIUM_PAGE_URL and not TILE_PATTERN.match(u)]
    rows, total_gz, total_br, unsized = [], 0, 0, []
    raw_doc, gz_doc, br_doc = compressed_sizes(html.encode())
    rows.append(["(the HTML page itself)", "-", raw_doc, gz_doc, br_doc if br_doc is not None else "-"])
    total_gz += gz_doc
    total_br += br_doc or 0
    linked = {u for _, u in assets}
    for url in outside:
        source = npm_source(url)
        body = files.get(source[0], {}).get(source[1]) if source else None
        how = "linked" if url in linked else "run time"
        if body is None:
            unsized.append(url)
            rows.append([url, how, "?", "?", "?"])
            continue
        raw, gz, br = compressed_sizes(body, url)
        total_gz += gz
        total_br += br or 0
        rows.append([url, how, raw, gz, br if br is not None else "-"])
    print(
        f"folium default page, sizes of the exact files its CDN URLs name (npm: {', '.join(sorted(files))}):"
    )
    print_table(["url", "loaded", "raw B", "gzip -9 B", "br q11 B"], rows, right={2, 3, 4})
    all_origins = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in outside}
    print(
        f"Total without tiles: {kib(total_gz)} KiB gzip -9, {kib(total_br)} KiB brotli "
        f"(bodies only, no headers) in {len(outside) + 1} requests to {len(all_origins) + 1} origins"
        + (f"; not sized (not on npm): {len(unsized)} file(s)" if unsized else "")
    )
    return total_gz, total_br, all_origins


def main(argv: list[str] | None = None) -> int:
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
