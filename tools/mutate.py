"""Mutation check: small deliberate bugs put into the modules where a bug loses or leaks data.

Each module is mutated with cosmic-ray (pinned in requirements-dev.txt), one mutant at a time, and only
that module's own tests run against each mutant (MODULES below), so a module takes minutes, not hours.
A mutant the tests pass with is a survivor: tests/README.md lists each one, killed by a test added
since or explained (an equivalent mutant, or a change nobody could see). A mutant's tests stop at the
first failure (-x).

Before the first mutant, the module's tests are run once with a line tracer (this run is the baseline:
they must pass on the unchanged code). It records which of the module's lines each test executes, and
which run outside any test (at import). A mutant is then tested with the tests that execute its
statement, in the module's order; one on a statement run at import (a constant, a default, a decorator)
with all of them. A test that never executes the mutated statement runs exactly as without the mutant,
so it cannot fail for it; a mutant on a statement no test executes is recorded as a survivor without
a run ("not run: no test executes line N" in its output; --recheck runs it for real). A survivor of
the selected tests is run once more with all the module's tests before it is recorded (a test that
reaches the module only in a subprocess is not seen by the tracer), so the selection never lets a
mutant through that the whole list would kill. Mutants run in the order of their lines.

The work happens in a copy of the checkout (var/mutate/src, the tracked and new files, with .venv and
node_modules linked), because cosmic-ray writes each mutant into the file on disk: the checkout itself
is never touched and can be worked in meanwhile. Sessions are kept (var/mutate/<name>.sqlite), so a run
that was stopped goes on where it stopped; --fresh starts again from a new copy.

    make mutate                        # every module, in the order below
    .venv/bin/python tools/mutate.py replay headers     # some modules
    .venv/bin/python tools/mutate.py --report           # the survivors so far, with their diffs
    .venv/bin/python tools/mutate.py --recheck rooms    # run the survivors again against today's tests
    .venv/bin/python tools/mutate.py --lines 200-417 follow    # only the mutants on these lines
    .venv/bin/python tools/mutate.py --work var/mutate-changes changes   # a second copy, to run two at once

Not in CI: on two cores the whole run takes hours. Tests are run on SQLite only (-k "not postgresql")
for the same reason; the PostgreSQL variants of these tests run in `make test`.
"""

import argparse
import ast
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cosmic_ray.mutating import _make_diff, mutate_and_test, mutate_code
from cosmic_ray.plugins import get_operator
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutate"
SRC = WORK / "src"
PRISTINE = WORK / "pristine"  # the mutated modules as copied, put back when a run was stopped mid-mutant
BIN = ROOT / ".venv" / "bin"

# module -> the tests that guard it, most important first (the fast ones: slow live-server tests are
# left to `make test`).
MODULES: dict[str, tuple[str, list[str]]] = {
    "replay": (
        "webapp/live/replay.py",
        [
            "tests/live/test_replay.py",
            "tests/live/test_handlers.py",
            "--deselect=tests/live/test_handlers.py::test_a_flooding_client",
        ],
    ),
    "headers": (
        "webapp/web/headers.py",
        ["tests/web/test_headers.py", "tests/security/test_socket_origin.py"],
    ),
    "rooms": ("webapp/sources/rooms.py", ["tests/sources/test_rooms.py"]),
    "clients": ("webapp/live/clients.py", ["tests/live/test_clients.py", "tests/live/test_handlers.py"]),
    "subscriptions": (
        "webapp/push/subscriptions.py",
        ["tests/push/test_views.py", "tests/push/test_worker.py"],
    ),
    "changes": (
        "webapp/live/changes.py",
        [
            "tests/live/test_changes.py",
            "tests/live/test_change_edges.py",
            "tests/live/test_signals.py",
            "tests/live/test_audit_log.py",
            "tests/live/test_clashes.py",  # the 409 "clash" refusal is changes.py's
            "tests/program/test_eventstore.py::test_a_venues_save_cannot_be_undone_as_a_change",
        ],
    ),
    "auth": (
        "webapp/staff/auth.py",
        # test_links.py: auth.py holds the sign-in link's page (/login/link/<token>) too.
        ["tests/staff/test_auth.py", "tests/staff/test_roles.py", "tests/staff/test_links.py"],
    ),
    "follow": (
        "webapp/sources/follow.py",
        # The clashes a release makes, the conflicts with staff's edits and the follow-schedule command are
        # follow.py's too; the fetch limits (seconds of slow servers) last.
        [
            "tests/sources/test_follow.py",
            "tests/sources/test_held.py",
            "tests/sources/test_follow_clashes.py",
            "tests/staff/test_conflicts.py",
            "tests/sources/test_cli.py::test_follow_schedule_reports_each_poll",
            "tests/sources/test_cli.py::test_follow_schedule_refuses_a_hammering_interval",
            "tests/sources/test_cli.py::test_nothing_is_followed_without_a_source",
            "tests/sources/test_cli.py::test_a_source_is_followed_in_the_background_at_the_set_interval",
            "tests/sources/test_fetch_limits.py",
        ],
    ),
}

# Operators kept: a boundary or a negation moved, a number or constant changed, a loop skipped, an
# exception handler widened, a decorator dropped. cosmic-ray's full set also swaps every arithmetic
# operator for every other (Add -> BitXor, ...) and replaces variables at random: hundreds of mutants per
# module that say little more.
EXCLUDED_OPERATORS = [
    "core/ReplaceBinaryOperator_(?!Add_Sub|Sub_Add)",
    "core/ReplaceComparisonOperator_(?!Eq_NotEq|NotEq_Eq|Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt|Is_IsNot|IsNot_Is)",
    "core/ReplaceUnaryOperator_",
    "core/VariableReplacer",
    "core/VariableInserter",
]

# Seconds for one mutant's tests: ten times what they take on a loaded machine, so that load never passes
# for a kill. cosmic-ray counts a timeout as killed; the report names them apart ("timeout"), and each
# is looked at by hand (a mutant that hangs the tests is caught, one that only made them slow is not).
TIMEOUT = 600.0


def copy_checkout(fresh: bool) -> None:
    """Copy the tracked and new files to SRC (once), linking the shared environment."""
    if fresh and WORK.exists():
        shutil.rmtree(WORK)
    if SRC.exists():
        return
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = SRC / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for module, _tests in MODULES.values():
        (PRISTINE / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SRC / module, PRISTINE / module)
    for linked in (".venv", "node_modules"):
        (SRC / linked).symlink_to(ROOT / linked)
    subprocess.run([BIN / "pybabel", "-q", "compile", "-d", "webapp/translations"], cwd=SRC, check=True)


def recheck(names: list[str]) -> None:
    """Copy today's tests into SRC and forget which mutants survived (and which lines each test executes),
    so that the next run traces the tests again and runs the survivors again."""
    shutil.copytree(
        ROOT / "tests", SRC / "tests", dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in names:
        session = WORK / f"{name}.sqlite"
        (WORK / f"{name}.lines.json").unlink(missing_ok=True)
        if session.exists():
            with sqlite3.connect(session) as db:
                db.execute("DELETE FROM work_results WHERE upper(test_outcome) = 'SURVIVED'")


def pytest_args(name: str) -> list[str]:
    """The pytest arguments a mutant of this module is tested with: -x, since the first failure kills it."""
    return ["-x", "-q", "-p", "no:cacheprovider", "-k", "not postgresql", *MODULES[name][1]]


# Run in SRC with the module's tests and a line tracer: which lines of the module each test executes
# (its setup and teardown included), which run outside any test (at import, in collection), and how long
# each test took. Its exit status is the tests'.
TRACER = """
import json, os, sys, threading, time
import pytest
target, out, args = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
imported, by_test, seconds, current = set(), {}, {}, None
def add(line):
    (by_test.setdefault(current, set()) if current else imported).add(line)
def local(frame, event, arg):
    add(frame.f_lineno)
    return local
def outer(frame, event, arg):
    if frame.f_code.co_filename != target:
        return None
    add(frame.f_lineno)
    return local
class Recorder:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        global current
        current, start = item.nodeid, time.monotonic()
        yield
        seconds[item.nodeid], current = time.monotonic() - start, None
sys.settrace(outer)
threading.settrace(outer)
code = pytest.main(args, plugins=[Recorder()])
sys.settrace(None)
with open(out, "w") as f:
    json.dump({"imported": sorted(imported), "seconds": seconds,
               "tests": {test: sorted(lines) for test, lines in by_test.items()}}, f)
sys.exit(int(code))
"""


def trace(name: str) -> dict:
    """Run the module's tests once with the tracer (they must pass: this is the baseline); return its record."""
    traced = WORK / f"{name}.lines.json"
    started = time.monotonic()
    subprocess.run(
        [BIN / "python", "-c", TRACER, MODULES[name][0], traced, *pytest_args(name)], cwd=SRC, check=True
    )
    print(f"== {name}: traced run of its tests, {time.monotonic() - started:.0f} s", flush=True)
    return json.loads(traced.read_text())


def statement_lines(source: str, row: int) -> range | None:
    """Return the lines of the innermost statement holding row (a compound one's header only), or None."""
    best = None
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.stmt | ast.excepthandler):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        body = getattr(node, "body", None)
        last = body[0].lineno - 1 if isinstance(body, list) and body else node.end_lineno
        if first <= row <= last and (best is None or first >= best.start):
            best = range(first, last + 1)
    return best


def selected_tests(traced: dict, lines: set[int]) -> list[str] | None:
    """Return the tests that execute any of lines, in the order they ran; None when the lines run at
    import (every test then runs with the mutant)."""
    if lines & set(traced["imported"]):
        return None
    return [test for test in traced["seconds"] if lines & set(traced["tests"].get(test, ()))]


def mutant_diff(module: str, operator: str, args: str | None, occurrence: int) -> str:
    """Return the diff cosmic-ray would record for one mutant, without writing it to disk."""
    source = (SRC / module).read_text()
    kwargs = json.loads(args or "{}")
    while isinstance(kwargs, str):  # the session stores them encoded twice
        kwargs = json.loads(kwargs)
    mutated = mutate_code(source, get_operator(operator)(**kwargs), occurrence)
    return "\n".join(_make_diff(source, mutated or source, module))


def config(name: str) -> Path:
    module, _tests = MODULES[name]
    command = " ".join([str(BIN / "python"), "-m", "pytest", *map(quoted, pytest_args(name))])
    excluded = ", ".join(f'"{e}"' for e in EXCLUDED_OPERATORS)
    path = WORK / f"{name}.toml"
    path.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {TIMEOUT}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = [{excluded}]\n"
    )
    return path


def quoted(arg: str) -> str:
    """Quote an argument for the test command, as the config has always written it."""
    return f"'{arg}'" if " " in arg else arg


def run(name: str, only: set[int] | None, confirm: bool) -> None:
    cfg, session = config(name), WORK / f"{name}.sqlite"
    module = MODULES[name][0]
    shutil.copy2(PRISTINE / module, SRC / module)  # a run stopped mid-mutant left that mutant on disk
    # The tests must pass on the unchanged code, or every mutant would look killed: the traced run checks
    # that, before a session (which a later run resumes without asking again) is made.
    record = WORK / f"{name}.lines.json"
    traced = json.loads(record.read_text()) if session.exists() and record.exists() else trace(name)
    if not session.exists():
        subprocess.run([BIN / "cosmic-ray", "init", cfg, session], cwd=SRC, check=True)
        subprocess.run([BIN / "cr-filter-operators", session, cfg], cwd=SRC, check=True)
    execute(name, session, traced, only, confirm)
    report(name)


def execute(name: str, session: Path, traced: dict, only: set[int] | None, confirm: bool) -> None:
    """Run each mutant not run yet (those on the lines in only, if given), in the order of their lines,
    with the tests that execute its statement; record each result in the session."""
    module = MODULES[name][0]
    source = (SRC / module).read_text()
    everything = [str(BIN / "python"), "-m", "pytest", *pytest_args(name)]
    os.chdir(SRC)  # the session names the module relative to the copy
    with use_db(str(session), WorkDB.Mode.open) as db:
        items = sorted(db.pending_work_items, key=lambda item: (item.mutations[0].start_pos, item.job_id))
        items = [item for item in items if only is None or item.mutations[0].start_pos[0] in only]
        print(
            f"== {name}: {len(items)} mutants to run, {pending(session) - len(items)} left aside", flush=True
        )
        for done, item in enumerate(items, 1):
            mutation = item.mutations[0]
            row, started = mutation.start_pos[0], time.monotonic()
            lines = statement_lines(source, row)
            chosen = selected_tests(traced, set(lines or [row]))
            if chosen == []:
                result = WorkResult(
                    worker_outcome=WorkerOutcome.NORMAL,
                    output=f"not run: no test executes line {row}",
                    test_outcome=TestOutcome.SURVIVED,
                    diff=mutant_diff(
                        module,
                        mutation.operator_name,
                        json.dumps(mutation.operator_args),
                        mutation.occurrence,
                    ),
                )
            else:
                command = everything
                if chosen is not None:
                    command = [*everything[:3], *pytest_args(name)[:4], *chosen]
                    seconds = sum(traced["seconds"][test] for test in chosen)
                result = mutate_and_test(
                    [mutation],
                    shlex.join(command),
                    TIMEOUT if chosen is None else min(TIMEOUT, max(180, 10 * seconds)),
                )
            tested = "all tests" if chosen is None else f"{len(chosen)} tests"
            if confirm and chosen and result.test_outcome == TestOutcome.SURVIVED:
                result = mutate_and_test([mutation], shlex.join(everything), TIMEOUT)
                # A kill here would mean the selection missed a test that fails: say so, it should not happen.
                tested += ", then all tests" + (
                    " (which killed it)" if result.test_outcome != TestOutcome.SURVIVED else ""
                )
            db.set_result(item.job_id, result)
            what = outcome(result.test_outcome, result.worker_outcome, result.output)
            print(
                f"{done}/{len(items)} line {row} {mutation.operator_name}: {what} ({tested}, "
                f"{time.monotonic() - started:.0f} s)",
                flush=True,
            )


def pending(session: Path) -> int:
    with sqlite3.connect(session) as db:
        return db.execute(
            "SELECT count(*) FROM work_items WHERE job_id NOT IN (SELECT job_id FROM work_results)"
        ).fetchone()[0]


def outcome(test_outcome: str | None, worker_outcome: str, output: str | None) -> str:
    """Name what became of one mutant: cosmic-ray counts a run that timed out as killed; this does not."""
    if (test_outcome or "").upper() == "KILLED" and (output or "").strip() == "timeout":
        return "timeout"
    return (test_outcome or worker_outcome).lower()


def killed_by(output: str | None) -> str:
    """Return the first failing test (or error) in a killed mutant's pytest output, and its first E line."""
    lines = (output or "").splitlines()
    failed = next((line for line in lines if line.startswith(("FAILED ", "ERROR "))), None)
    if failed is None:
        return (lines[-1] if lines else "(no output)")[:200]
    why = next((line[1:].strip() for line in lines if line.startswith("E ")), "")
    return f"{failed[:160]}\n     {why[:160]}"


def report(name: str, killed: bool = False) -> None:
    """Print the counts and every survivor's diff for one module (and with killed, what killed each)."""
    session = WORK / f"{name}.sqlite"
    if not session.exists():
        return
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT r.test_outcome, r.worker_outcome, r.output, m.operator_name, m.start_pos_row, r.diff "
            "FROM work_results r JOIN mutation_specs m USING (job_id) ORDER BY m.start_pos_row"
        ).fetchall()
    counts: dict[str, int] = {}
    for test_outcome, worker_outcome, output, *_ in rows:
        key = outcome(test_outcome, worker_outcome, output)
        counts[key] = counts.get(key, 0) + 1
    print(f"== {name} ({MODULES[name][0]}): {counts}, {pending(session)} not run")
    for test_outcome, worker_outcome, output, operator, row, diff in rows:
        what = outcome(test_outcome, worker_outcome, output)
        if what in ("survived", "timeout"):
            print(f"-- {what}: {operator} at line {row}\n{diff}")
        elif killed and what == "killed":
            print(f"-- killed: {operator} at line {row}: {killed_by(output)}")


def line_ranges(text: str) -> set[int]:
    """Parse "1-120,200" into the set of those line numbers."""
    lines: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        lines.update(range(int(first), int(last or first) + 1))
    return lines


def use_work(path: Path) -> None:
    """Keep the copy and the sessions in path instead of var/mutate (two copies can run side by side)."""
    global WORK, SRC, PRISTINE
    WORK, SRC, PRISTINE = path, path / "src", path / "pristine"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--fresh", action="store_true", help="start again from a new copy of the checkout")
    parser.add_argument("--report", action="store_true", help="only print what the sessions hold so far")
    parser.add_argument(
        "--killed", action="store_true", help="with --report: what killed each mutant (a failing test?)"
    )
    parser.add_argument(
        "--recheck", action="store_true", help="run the survivors again with the current tests"
    )
    parser.add_argument(
        "--lines", type=line_ranges, help="only the mutants on these lines of the module, e.g. 1-120,200"
    )
    parser.add_argument("--work", type=Path, help=f"the copy and sessions in this folder (default {WORK})")
    parser.add_argument(
        "--no-confirm",
        action="store_true",
        help="record a survivor of the selected tests without running all the module's tests with it",
    )
    args = parser.parse_args()
    if args.work:
        use_work(args.work.resolve())
    names = args.modules or list(MODULES)
    if unknown := set(names) - set(MODULES):
        parser.error(f"unknown modules: {', '.join(sorted(unknown))}")
    if args.report:
        for name in names:
            report(name, killed=args.killed)
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    copy_checkout(args.fresh)
    if args.recheck:
        recheck(names)
    for name in names:
        run(name, args.lines, confirm=not args.no_confirm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
