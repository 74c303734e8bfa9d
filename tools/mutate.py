"""Mutation check: small deliberate bugs put into the modules where a bug loses or leaks data.

Each module is mutated with cosmic-ray (pinned in requirements-dev.txt), one mutant at a time, and only
that module's own tests run against each mutant (MODULES below), so a module takes minutes, not hours.
A mutant the tests pass with is a survivor: tests/README.md lists each one, killed by a test added
since or explained (an equivalent mutant, or a change nobody could see).

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
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

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
        ["tests/sources/test_follow.py", "tests/sources/test_held.py", "tests/sources/test_fetch_limits.py"],
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


def config(name: str) -> Path:
    module, tests = MODULES[name]
    command = f"{BIN / 'python'} -m pytest -x -q -p no:cacheprovider -k 'not postgresql' {' '.join(tests)}"
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
