"""Static files: does WhiteNoise serve our pre-compressed files as well as webapp/web/assets.py does?

Starts the app twice on gevent (bench/lib/static_app.py): once as it is (assets.py answers /static/ and
/vendor/ from memory, brotli q11 and gzip -9 made once per file), once with WhiteNoise 6 in front of it,
serving a copy of static/ and of the vendored npm files pre-compressed by `python -m whitenoise.compress`
(.br and .gz beside each file), with the same max-age and `immutable` for /vendor/. For each file and
each Accept-Encoding (br, gzip, none) it records the status, Content-Encoding, body bytes, ETag,
Cache-Control and Vary, and whether If-None-Match with that ETag gets a 304; then wrk (50 connections,
Accept-Encoding: br) measures requests per second and p99 for each file. One process each, 127.0.0.1.

    .venv/bin/python bench/static_files.py [--seconds 8] [--connections 50] [--readme]
"""

import http.client
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import plots, report, wrk
from bench.lib.procstats import load_average
from tests.servers import ROOT, run_flask, server_env, serving
from webapp.web.assets import VENDOR_FILES

FILES = ["/static/js/map.js", "/static/css/app.css", "/vendor/leaflet.js?v=1.9.4", "/static/favicon.svg"]
ENCODINGS = ("br", "gzip", "identity")
MODES = ("ours", "whitenoise")


def make_copy(workdir: Path) -> Path:
    """Copy static/ and the vendored npm files into workdir/copy and pre-compress them for WhiteNoise."""
    copy = workdir / "copy"
    shutil.copytree(ROOT / "static", copy / "static")
    (copy / "vendor").mkdir()
    for name, (package, path) in VENDOR_FILES.items():
        shutil.copy(ROOT / "node_modules" / package / path, copy / "vendor" / name)
    subprocess.run([sys.executable, "-m", "whitenoise.compress", "-q", str(copy)], check=True, timeout=300)
    return copy


def fetch(url: str, path: str, headers: dict) -> tuple[int, dict, int]:
    """GET path with headers; return the status, the response headers and the body's length."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=15)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, len(response.read())
    finally:
        conn.close()


def headers_rows(mode: str, url: str) -> list[list]:
    """Return one row per file and encoding: status, encoding, bytes, ETag, Cache-Control, Vary, 304."""
    rows = []
    for path in FILES:
        for encoding in ENCODINGS:
            status, head, size = fetch(url, path, {"Accept-Encoding": encoding})
            etag = head.get("etag", "")
            again = fetch(url, path, {"Accept-Encoding": encoding, "If-None-Match": etag})[0] if etag else "-"
            rows.append([
                mode, path.split("?")[0], encoding, status, head.get("content-encoding", "(none)"), f"{size:,}",
                f"`{etag}`" if etag else "(none)", head.get("cache-control", "(none)"), head.get("vary", "(none)"),
                again,
            ])  # fmt: skip
    return rows


def load_rows(urls: dict[str, str], args) -> list[list]:
    """Return one row per server and file: wrk's req/s and p50/p99 with Accept-Encoding: br.

    The two servers run side by side and take turns file by file, so a change in the machine's load
    (other jobs share it) falls on both alike.
    """
    rows = []
    for path in FILES:
        for mode, url in urls.items():
            got = wrk.run(url + path, args.connections, args.seconds, headers={"Accept-Encoding": "br"})
            rows.append([mode, path.split("?")[0], f"{got['rps']:.0f}", f"{got['p50'] * 1000:.1f}",
                         f"{got['p99'] * 1000:.1f}", got["errors"], got.get("non_2xx", 0)])  # fmt: skip
    return sorted(rows, key=lambda row: MODES.index(row[0]))


def measure(workdir: Path, args) -> tuple[list, list]:
    """Serve both ways side by side; measure their headers, then their load figures in turns."""
    copy = make_copy(workdir)
    env = server_env(DATABASE_URL=f"sqlite:///{workdir / 'static.db'}")
    run_flask(["db", "upgrade"], env)
    head, urls = [], {}
    with ExitStack() as stack:
        for mode in MODES:
            command = [sys.executable, str(ROOT / "bench" / "lib" / "static_app.py"), mode, str(copy)]
            served = stack.enter_context(serving(command, workdir, env, probe="/static/favicon.svg"))
            head += headers_rows(mode, served.url)
            urls[mode] = served.url
        return head, load_rows(urls, args)


def ratio_rows(load: list[list]) -> list[list]:
    """Return per file: WhiteNoise's req/s and p99 as ratios of ours."""
    ours = {row[1]: row for row in load if row[0] == "ours"}
    rows = []
    for row in load:
        if row[0] == "whitenoise":
            base = ours[row[1]]
            rows.append(
                [row[1], f"{float(row[2]) / float(base[2]):.2f}x", f"{float(row[4]) / float(base[4]):.2f}x"]
            )
    return rows


def main() -> int:
    """Measure both ways of serving the static files and print (and optionally append) the tables."""
    parser = report.parser(__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per file")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    args = report.parse_args(parser)
    if why := wrk.available():
        print(why, file=sys.stderr)
        return 2
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="vl-static-"))
    try:
        head, load = measure(workdir, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    picture = plots.bars(
        [row[1] for row in load if row[0] == "ours"],
        {mode: [float(row[2]) for row in load if row[0] == mode] for mode in MODES},
        "requests per second (Accept-Encoding: br)",
        f"Static files, one gevent process, wrk -c {args.connections}",
        "static_files.png",
    )
    body = "\n\n".join([
        report.table(["server", "file", "asked", "status", "Content-Encoding", "body B", "ETag", "Cache-Control",
                      "Vary", "If-None-Match"], head),
        report.table(["server", "file", "req/s", "p50 ms", "p99 ms", "socket errors", "non-2xx/3xx"], load),
        report.table(["file", "WhiteNoise req/s vs ours", "WhiteNoise p99 vs ours"], ratio_rows(load)),
        f"![static files req/s](results/{picture.name})",
    ])  # fmt: skip
    report.append("static_files", body, load_before, write=args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
