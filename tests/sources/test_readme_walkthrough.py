"""The README's "Your own event", followed as written: a pretalx URL to a served event, no hand-written JSON.

The commands are read from the README's own code blocks, so the walk-through and this test cannot drift
apart. Only what a test must not touch is swapped: the pretalx URL for the same file served on
127.0.0.1, `make run` for the release step it starts with, the database for one in the test's folder.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sources.conftest import EXAMPLES
from webapp import create_app
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "walk-through-password-1"


def walkthrough_blocks() -> list[list[str]]:
    """Return the shell lines of each code block of the README's "Your own event" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Your own event") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    found = []
    for block in blocks:
        lines = (re.sub(r"\s+#.*", "", line).strip() for line in block.replace("\\\n", " ").splitlines())
        found.append([line for line in lines if line])
    return found


@pytest.fixture
def pretalx(release_server):
    """Return the URL of the pretalx example served on 127.0.0.1."""
    release_server.body = (EXAMPLES / "pretalx-democon.json").read_bytes()
    return release_server.url


def flask(line: str, cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    """Run one README line that starts with .venv/bin/flask, in cwd; return what it printed."""
    words = shlex.split(line)
    assert words[0] == ".venv/bin/flask", line
    result = subprocess.run(
        [sys.executable, "-m", "flask", *words[1:]],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_the_readme_walkthrough_serves_the_event_and_lets_the_organiser_place_venues(tmp_path, pretalx):
    (import_block, start_block) = walkthrough_blocks()[:2]
    source = "https://pretalx.example.org/democon/schedule/export/schedule.json"

    # 1. Import, as written (the example URL is this test's server).
    [import_line] = import_block
    printed = flask(import_line.replace(source, pretalx), tmp_path, {})
    assert "36 sessions" in printed and "place them on /staff/venues" in printed
    venues_file = tmp_path / "my-event" / "venues.geojson"
    placed = venues_file.read_text()
    # The summary warns that the zone the source names does not fit its times; the README says: again,
    # with --timezone. The venues file is kept.
    assert "Time zone: the source names UTC" in printed
    again = import_line.replace(source, pretalx).replace("--near 52.5200,13.4050", "--timezone Europe/Berlin")
    assert "--timezone Europe/Berlin is used instead" in flask(again, tmp_path, {})
    assert venues_file.read_text() == placed

    # 2. Start on a database of its own (the release step make run starts with), create the account.
    export, run, create = start_block
    env = dict(word.split("=", 1) for word in shlex.split(export)[1:])
    assert env["DATABASE_URL"] == "sqlite:///var/my-event.db" and "make run" in run
    env = {k: str(tmp_path / v) for k, v in env.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'my-event.db'}"
    assert "Imported the event" in flask(".venv/bin/flask --app webapp release", tmp_path, env)
    assert "organiser" in flask(create, tmp_path, env, stdin=f"{PASSWORD}\n")

    # The event is served: times in the event's zone, and the organiser may place the venues (step 3).
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "VENUES_FILE": env["VENUES_FILE"],
         "PROGRAM_FILE": env["PROGRAM_FILE"]}
    )  # fmt: skip
    try:
        client = app.test_client()
        page = client.get("/schedule?lang=en&at=2020-12-14T10:00").get_data(as_text=True)
        assert "Managed stable function" in page and "09:00–10:30" in page
        form = client.get("/login?lang=en").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        name = shlex.split(create)[shlex.split(create).index("create") + 1]
        signed_in = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
        assert signed_in.status_code == 302
        assert client.get("/staff/venues/?lang=en").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
