"""First paint on a phone: Lighthouse (mobile, simulated slow 4G) on `/`, against the issue's targets.

Starts Venue Live as production does (serve.py, one process, a fresh SQLite database, EVENT_NOW set so
the page has sessions now and next) with its map tiles pointed at a local stub that answers every tile
with a 1x1 PNG (nothing leaves 127.0.0.1), then runs Lighthouse (npm devDependency, node_modules/.bin)
--runs times with Debian's Chromium (CHROME_PATH=/usr/bin/chromium, headless, the flags the tests use):
mobile form factor and Lighthouse's default simulated throttling (slow 4G, 4x CPU slowdown). It prints
the median run's performance score, first contentful paint, largest contentful paint, total blocking
time and speed index, each run's figures, Lighthouse's CPU benchmark index (the machine's speed as
Lighthouse saw it), and the render-blocking resources it names. --url measures an already running server.

    .venv/bin/python bench/first_paint.py [--runs 3] [--url URL] [--readme]
"""

import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import report
from bench.lib.procstats import load_average
from bench.lib.targets import venue
from tests.servers import CHROMIUM, CHROMIUM_ARGS, ROOT, TILE_PNG

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
EVENT_NOW = "2023-11-29T10:30:00+09:00"
METRICS = {
    "first-contentful-paint": "FCP s",
    "largest-contentful-paint": "LCP s",
    "total-blocking-time": "TBT ms",
    "speed-index": "speed index s",
}
TARGETS = "performance >= 0.95, FCP <= 1.5 s (issue 12)"


class _Tiles(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(TILE_PNG)))
        self.end_headers()
        self.wfile.write(TILE_PNG)

    def log_message(self, *_args) -> None:
        pass


def tile_stub() -> str:
    """Start a thread answering every tile with a 1x1 PNG on 127.0.0.1; return the app's TILES_URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"


def lighthouse(url: str, out: Path) -> dict:
    """Run Lighthouse once on url (mobile, performance only); return its JSON report."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    command = [str(LIGHTHOUSE), url, "--only-categories=performance", "--output=json", f"--output-path={out}",
               f"--chrome-flags={flags}", "--quiet", "--max-wait-for-load=60000"]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return json.loads(out.read_text())


def figures(result: dict) -> dict:
    """Return the score, the metrics, the benchmark index and the render-blocking URLs of one report."""
    audits = result["audits"]
    row = {"score": result["categories"]["performance"]["score"]}
    for audit, label in METRICS.items():
        value = audits[audit]["numericValue"]
        row[label] = value if label.endswith("ms") else value / 1000
    row["benchmark"] = result.get("environment", {}).get("benchmarkIndex")
    blocking = audits.get("render-blocking-resources", {}).get("details", {}).get("items", [])
    row["blocking"] = [(item["url"].split("/", 3)[-1], item.get("wastedMs", 0)) for item in blocking]
    row["warnings"] = result.get("runWarnings", [])
    return row


def body(rows: list[dict]) -> str:
    """Return the markdown of the median run, every run and the render-blocking resources."""
    median = sorted(rows, key=lambda r: r["score"])[len(rows) // 2]
    head = ["run", "performance", *METRICS.values(), "CPU benchmark index"]
    lines = [[i + 1, f"{r['score']:.2f}", *(f"{r[m]:.2f}" if m.endswith(" s") else f"{r[m]:.0f}" for m in METRICS.values()),
              r["benchmark"]] for i, r in enumerate(rows)]  # fmt: skip
    score_median = statistics.median(r["score"] for r in rows)
    blocking = "; ".join(f"`/{url}` {ms:.0f} ms" for url, ms in median["blocking"]) or "none"
    warnings = "; ".join(median["warnings"]) or "none"
    return (f"Median performance {score_median:.2f}, FCP {median['FCP s']:.2f} s, LCP {median['LCP s']:.2f} s, "
            f"TBT {median['TBT ms']:.0f} ms (targets: {TARGETS}).\n\n{report.table(head, lines)}\n\n"
            f"Render-blocking (median run): {blocking}. Lighthouse warnings: {warnings}.")  # fmt: skip


def main() -> int:
    """Run Lighthouse --runs times on `/` and print (and optionally append) the figures."""
    parser = report.parser(__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="measure this already running server instead of a fresh serve.py")
    args = report.parse_args(parser)
    if not LIGHTHOUSE.exists() or not Path(CHROMIUM).exists():
        print(f"needs {LIGHTHOUSE} (npm ci) and {CHROMIUM}", file=sys.stderr)
        return 2
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="vl-lighthouse-"))
    started = nullcontext(None) if args.url else venue(workdir, EVENT_NOW=EVENT_NOW, TILES_URL=tile_stub())
    with started as target:
        url = (args.url or target.url).rstrip("/") + "/"
        rows = []
        for run in range(args.runs):
            rows.append(figures(lighthouse(url, workdir / f"lighthouse-{run}.json")))
            print(f"  run {run + 1}: {rows[-1]}", flush=True)
    report.append("first_paint", body(rows), load_before, write=args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
