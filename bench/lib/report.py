"""Print markdown tables and append a dated result section (machine, command, contention) to bench/README.md."""

import argparse
import datetime
import os
import platform
import shlex
import sys
from pathlib import Path

from bench.lib.procstats import load_average

README = Path(__file__).resolve().parent.parent / "README.md"
RESULTS = Path(__file__).resolve().parent.parent / "results"


def parser(doc: str) -> argparse.ArgumentParser:
    """Return a bench script's argument parser, its module docstring as the help text."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def parse_args(parser: argparse.ArgumentParser, max_seconds: float | None = None) -> argparse.Namespace:
    """Add --max-seconds (when given its default) and --readme to parser, then parse the command line."""
    if max_seconds is not None:
        parser.add_argument("--max-seconds", type=float, default=max_seconds)
    parser.add_argument("--readme", action="store_true", help="append the results to bench/README.md")
    return parser.parse_args()


def table(head: list[str], rows: list[list]) -> str:
    """Return a markdown table of rows under head."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    """Return one line naming this machine: CPUs, memory, OS, Python and Node."""
    with open("/proc/meminfo") as meminfo:
        mem_gib = int(meminfo.readline().split()[1]) / 1024 / 1024
    node = os.popen("node --version 2>/dev/null").read().strip() or "no node"
    return (
        f"{os.cpu_count()} CPUs, {mem_gib:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Node {node}"
    )


def contention(before: str) -> str:
    """Return the contention note: load averages at the start and the end of the run."""
    return (
        f"load average (1/5/15 min) {before} at the start, {load_average()} at the end; the 2 cores were "
        "shared with other helpers' test runs, so compare the ratios, not the absolute numbers"
    )


def append(title: str, body: str, load_before: str, write: bool = True) -> None:
    """Append a section with title, the date, machine, command and contention note, then body to README."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(shlex.quote(arg) for arg in [".venv/bin/python", *sys.argv])
    section = (
        f"\n### {title} ({now})\n\n"
        f"- command: `{command}`\n- machine: {machine()}\n- contention: {contention(load_before)}\n\n{body}\n"
    )
    print(section, flush=True)
    if write:
        with README.open("a") as readme:
            readme.write(section)
