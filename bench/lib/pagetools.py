"""What bench/page_weight.py shares between measuring our page and folium's: sizes, tables, constants."""

import gzip
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

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
