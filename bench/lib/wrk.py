"""Run wrk (Debian's package) against one URL and read its requests per second and latency percentiles."""

import re
import shutil
import subprocess

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def available() -> str | None:
    """Return why wrk cannot run, or None when it can."""
    return None if shutil.which("wrk") else "wrk is not installed: `apt-get install -y wrk`"


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def run(
    url: str, connections: int = 50, seconds: int = 8, threads: int = 2, headers: dict | None = None
) -> dict:
    """Load url with wrk; return req/s, p50/p99 latency (s), requests, errors, transfer/s and the raw output."""
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
    ).stdout
    return parse(out)


def parse(out: str) -> dict:
    """Return req/s, p50/p99 latency (s), requests, errors and transfer/s from wrk --latency output."""
    figures = {"raw": out, "rps": float("nan"), "p50": float("nan"), "p99": float("nan"), "errors": 0}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", out):
        figures["rps"] = float(match.group(1))
    for pct in ("50", "99"):
        if match := re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE):
            figures[f"p{pct}"] = _seconds(match.group(1))
    if match := re.search(r"(\d+) requests in", out):
        figures["requests"] = int(match.group(1))
    for match in re.finditer(
        r"(?:Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))", out
    ):
        figures["errors"] += sum(int(v) for v in match.groups())
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        figures["non_2xx"] = int(match.group(1))
    if match := re.search(r"Transfer/sec:\s+(\S+)", out):
        figures["transfer"] = match.group(1)
    return figures
