"""Start-up: a bad data file or setting stops the app with one sentence, never a traceback."""

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from webapp import StartupError, create_app


def test_create_app_refuses_a_bad_program(event_files):
    venues_path, program_path = event_files(
        edit_program=lambda p: p["sessions"][0].update(end="2023-11-29T15:00:00+09:00")
    )
    with pytest.raises(
        StartupError, match=r"^program\.json: session 'opening-ceremony', field 'end': is before start"
    ):
        create_app({"VENUES_FILE": str(venues_path), "PROGRAM_FILE": str(program_path)})


def test_create_app_refuses_a_bad_event_now():
    with pytest.raises(StartupError, match=r"^EVENT_NOW: 'yesterday' is not an ISO 8601 time"):
        create_app({"EVENT_NOW": "yesterday"})


def test_create_app_refuses_missing_front_end_libraries(tmp_path):
    with pytest.raises(StartupError, match=r"leaflet\.js is missing: run `npm ci`"):
        create_app({"NODE_MODULES": str(tmp_path)})


def _run(args, **env):
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_flask_command_prints_one_line_for_a_bad_file(event_files, tmp_path):
    venues_path, program_path = event_files(edit_venues=lambda v: v["features"][0]["properties"].pop("rooms"))
    result = _run(
        ["-m", "flask", "--app", "webapp", "import-event"],
        VENUES_FILE=str(venues_path),
        PROGRAM_FILE=str(program_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "venues.geojson: feature 'gravity-pangyo', field 'properties.rooms': is missing" in result.stderr


@pytest.mark.parametrize(
    ("session", "last_line"),
    [
        (
            {"venue": "atlantis"},
            "Venue Live cannot start: program.json: session 'opening-ceremony', field 'venue'",
        ),
        (
            {"end": "9999-12-31T23:00:00-05:00"},
            "Venue Live cannot start: program.json: session 'opening-ceremony', field 'end': "
            "Value error, is in the year 9999, outside 1970..2100",
        ),
    ],
    ids=["unknown venue", "year 9999"],
)
def test_server_prints_one_line_for_a_bad_file(event_files, tmp_path, session, last_line):
    venues_path, program_path = event_files(edit_program=lambda p: p["sessions"][0].update(session))
    result = _run(
        ["serve.py"],
        VENUES_FILE=str(venues_path),
        PROGRAM_FILE=str(program_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(last_line)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("PROGRAM_FILE", r"Venue Live cannot start: [^:]+: .* is a directory, not a file$"),
        ("VENUES_FILE", r"Venue Live cannot start: [^:]+: .* is a directory, not a file$"),
    ],
)
def test_server_prints_one_line_for_a_directory_given_as_a_data_file(tmp_path, setting, expected):
    result = _run(["serve.py"], **{setting: str(tmp_path)}, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.match(expected, result.stderr.strip().splitlines()[-1])
