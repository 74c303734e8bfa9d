"""folium's default map of the four venues, for bench/page_weight.py: its CDN files, sized from npm."""

import json
import re
import subprocess
import tarfile
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from bench.lib.pagetools import (
    CONTENT_TYPES,
    FOLIUM_PAGE_URL,
    PHONE,
    TILE_PATTERN,
    CannotMeasureError,
    compressed_sizes,
    kib,
    print_table,
)
from tests.servers import ROOT, TILE_PNG


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
