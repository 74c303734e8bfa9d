"""Mutation check: small deliberate bugs put into the modules where a bug loses or leaks data.

Each module is mutated with cosmic-ray (pinned in requirements-dev.txt), one mutant at a time, and only
that module's own tests run against each mutant (MODULES below), so a module takes minutes, not hours.
A mutant the tests pass with is a survivor: tests/README.md lists each one, killed by a test added
since or explained (an equivalent mutant, or a change nobody could see). A mutant's tests stop at the
first failure (-x). Before the first mutant, the module's tests are run once with a line tracer: a mutant
on a statement they never execute is recorded as a survivor without being run ("not run: no test executes
line N" in its output), since no test can fail for it; --recheck runs such survivors for real.

The work happens in a copy of the checkout (var/mutate/src, the tracked and new files, with .venv and
node_modules linked), because cosmic-ray writes each mutant into the file on disk: the checkout itself
is never touched and can be worked in meanwhile. Sessions are kept (var/mutate/<name>.sqlite), so a run
that was stopped goes on where it stopped; --fresh starts again from a new copy.

    make mutate                        # every module, in the order below
    .venv/bin/python tools/mutate.py replay headers     # some modules
    .venv/bin/python tools/mutate.py --report           # the survivors so far, with their diffs
    .venv/bin/python tools/mutate.py --recheck rooms    # run the survivors again against today's tests

Not in CI: on two cores the whole run takes hours. Tests are run on SQLite only (-k "not postgresql")
for the same reason; the PostgreSQL variants of these tests run in `make test`.
"""

import argparse
import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from cosmic_ray.mutating import _make_diff, mutate_code
from cosmic_ray.plugins import get_operator

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
    """Copy today's tests into SRC and forget which mutants survived, so that the next exec runs them again."""
    shutil.copytree(
        ROOT / "tests", SRC / "tests", dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in names:
        session = WORK / f"{name}.sqlite"
        if session.exists():
            with sqlite3.connect(session) as db:
                db.execute("DELETE FROM work_results WHERE upper(test_outcome) = 'SURVIVED'")


def pytest_args(name: str) -> list[str]:
    """The pytest arguments a mutant of this module is tested with: -x, since the first failure kills it."""
    return ["-x", "-q", "-p", "no:cacheprovider", "-k", "not postgresql", *MODULES[name][1]]


# Run in SRC by the module's tests with a line tracer: which lines of the module they execute.
TRACER = """
import json, os, sys, threading
import pytest
target, out, args = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
lines = set()
def local(frame, event, arg):
    lines.add(frame.f_lineno)
    return local
def outer(frame, event, arg):
    if frame.f_code.co_filename != target:
        return None
    lines.add(frame.f_lineno)
    return local
sys.settrace(outer)
threading.settrace(outer)
code = pytest.main(args)
sys.settrace(None)
with open(out, "w") as f:
    json.dump(sorted(lines), f)
sys.exit(int(code))
"""


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


def mark_unexecuted(name: str, session: Path) -> int:
    """Record each mutant on a statement the module's tests never execute as a survivor, without running
    it: they cannot fail for a line they do not run, so it would survive, at the price of a whole test
    run. Each is reported with the others, its output saying why. Return how many."""
    module = MODULES[name][0]
    traced = WORK / f"{name}.lines.json"
    subprocess.run([BIN / "python", "-c", TRACER, module, traced, *pytest_args(name)], cwd=SRC, check=True)
    executed = set(json.loads(traced.read_text()))
    source = (SRC / module).read_text()
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT m.job_id, m.start_pos_row, m.operator_name, m.operator_args, m.occurrence "
            "FROM mutation_specs m WHERE m.job_id NOT IN (SELECT job_id FROM work_results)"
        ).fetchall()
        marked = 0
        for job_id, row, operator, args, occurrence in rows:
            lines = statement_lines(source, row)
            if lines is None or executed & set(lines):
                continue
            db.execute(
                "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
                "VALUES ('NORMAL', ?, 'SURVIVED', ?, ?)",
                (
                    f"not run: no test executes line {row}",
                    mutant_diff(module, operator, args, occurrence),
                    job_id,
                ),
            )
            marked += 1
    return marked


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


def run(name: str) -> None:
    cfg, session = config(name), WORK / f"{name}.sqlite"
    module = MODULES[name][0]
    shutil.copy2(PRISTINE / module, SRC / module)  # a run stopped mid-mutant left that mutant on disk
    if not session.exists():
        # The tests must pass on the unchanged code, or every mutant would look killed. First, so that a
        # session (which a later run resumes without asking again) exists only once the baseline passed.
        subprocess.run([BIN / "cosmic-ray", "baseline", cfg], cwd=SRC, check=True)
        subprocess.run([BIN / "cosmic-ray", "init", cfg, session], cwd=SRC, check=True)
        subprocess.run([BIN / "cr-filter-operators", session, cfg], cwd=SRC, check=True)
        print(f"== {name}: {mark_unexecuted(name, session)} mutants on lines no test executes", flush=True)
    print(f"== {name}: {pending(session)} mutants to run", flush=True)
    subprocess.run([BIN / "cosmic-ray", "exec", cfg, session], cwd=SRC, check=True)
    report(name)


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
    args = parser.parse_args()
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
        run(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
