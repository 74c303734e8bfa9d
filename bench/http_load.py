"""HTTP load: requests per second and latency of the pages, the API and an export, with wrk.

(Named http_load.py, not http.py: a bench/http.py would hide Python's own http package from the
scripts beside it.) It starts Venue Live as production does (serve.py on gevent, one process, a fresh
SQLite database; or measures --target URL, for example the nginx cluster of `make cluster`), then runs
wrk (Debian's package) for --seconds on each path at --connections connections with a browser's
Accept-Encoding, and prints req/s, p50 and p99 latency and errors. As a yardstick under the same load in
the same run, nginx (one worker) serves a saved copy of `/` from disk, the ceiling a cache in front of
the app could reach; each path's req/s is also given as a share of it.

    .venv/bin/python bench/http_load.py [--seconds 10] [--connections 50] [--target URL] [--readme]
"""

import math
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import nginx, plots, report, wrk
from bench.lib.procstats import cpu_of, load_average
from bench.lib.targets import open_target

PATHS = ["/", "/schedule", "/api/sessions", "/api/changes?since=0", "/schedule.xml"]
HEADERS = {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "en"}


def load_row(name: str, url: str, args, pids: list[int]) -> dict:
    """Load url with wrk; return its figures and the CPU seconds the watched processes used meanwhile."""
    before = cpu_of(pids)
    got = wrk.run(url, args.connections, args.seconds, headers=HEADERS)
    got.update(name=name, cpu=cpu_of(pids) - before if pids else math.nan)
    print(f"  {name}: {got['rps']:.0f} req/s, p99 {got['p99'] * 1000:.0f} ms", flush=True)
    return got


def measure(args, workdir: Path) -> list[dict]:
    """Load every path of the target, then nginx serving a saved copy of `/`."""
    kind = "url" if args.target else "venue"
    rows = []
    with open_target(kind, workdir, args.target, None, args.target_pids) as target:
        for path in PATHS:
            rows.append(load_row(path, target.url + path, args, target.pids))
        saved = workdir / "saved"
        saved.mkdir(mode=0o755)
        workdir.chmod(0o755)  # nginx's workers run as nobody
        with urllib.request.urlopen(target.url + "/", timeout=30) as page:
            (saved / "index.html").write_bytes(page.read())
    with nginx.static_files(workdir, saved) as url:
        rows.append(load_row("nginx: saved copy of /", url + "/", args, []))
    return rows


def _per_cpu(row: dict) -> str:
    if math.isnan(row["cpu"]) or not row["cpu"] or "requests" not in row:
        return "-"
    return f"{row['requests'] / row['cpu']:.0f}"


def table(rows: list[dict]) -> str:
    """Return the markdown table, with each path's req/s as a share of nginx's."""
    ceiling = rows[-1]["rps"]
    head = ["path", "req/s", "share of nginx", "p50 ms", "p99 ms", "requests", "socket errors", "non-2xx/3xx",
            "server CPU s", "requests per server CPU-s"]  # fmt: skip
    lines = [[f"`{r['name']}`", f"{r['rps']:.0f}", f"{r['rps'] / ceiling:.3f}", f"{r['p50'] * 1000:.1f}",
              f"{r['p99'] * 1000:.1f}", r.get("requests", "-"), r["errors"], r.get("non_2xx", 0),
              "-" if math.isnan(r["cpu"]) else f"{r['cpu']:.1f}", _per_cpu(r)] for r in rows]  # fmt: skip
    return report.table(head, lines)


def main() -> int:
    """Measure every path and print (and optionally append) the table and picture."""
    parser = report.parser(__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per path")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--target", help="URL of an already running Venue Live (for example the cluster)")
    parser.add_argument("--target-pids", type=int, nargs="*", default=[], help="pids of the --target servers")
    args = report.parse_args(parser)
    if why := wrk.available():
        print(why, file=sys.stderr)
        return 2
    load_before = load_average()
    rows = measure(args, Path(tempfile.mkdtemp(prefix="vl-http-")))
    picture = plots.bars(
        [r["name"].replace("nginx: saved copy of /", "nginx copy") for r in rows],
        {"req/s": [r["rps"] for r in rows]},
        "requests per second",
        f"HTTP, wrk -c {args.connections}, {'--target' if args.target else 'one process'}",
        "http_load.png" if not args.target else "http_load_target.png",
    )
    where = f"`--target {args.target}`" if args.target else "one serve.py process (gevent), fresh SQLite"
    body = (f"{where}; wrk -t 2 -c {args.connections} -d {args.seconds}s, Accept-Encoding `{HEADERS['Accept-Encoding']}`."
            f"\n\n{table(rows)}\n\n![req/s](results/{picture.name})")  # fmt: skip
    report.append("http", body, load_before, write=args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
