"""The release step: migrations and the import once per release; several at once do not race."""

import json
import subprocess
import sys

import sqlalchemy as sa

from tests.conftest import ROOT


def release_processes(database_url: str, count: int) -> list[subprocess.CompletedProcess]:
    """Run `flask --app webapp release` count times at once; return how each ended."""
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "tests-only-secret", "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "webapp", "release"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def test_three_releases_at_once_migrate_and_import_exactly_once(database_url):
    results = release_processes(database_url, 3)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    outputs = [r.stdout for r in results]
    assert sum("Imported the event" in out for out in outputs) == 1
    assert sum("up to date" in out for out in outputs) == 2
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        sessions = json.loads((ROOT / "program.json").read_text())["sessions"]
        assert conn.scalar(sa.text("SELECT count(*) FROM sessions")) == len(sessions)
    engine.dispose()
