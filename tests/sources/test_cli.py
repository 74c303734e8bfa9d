"""The commands: import-schedule prints its summary or one error; follow-schedule reports each poll."""

import json

from tests.sources.conftest import EXAMPLES
from webapp.extensions import socketio
from webapp.sources.follow import follow, start_following


def import_camp(app, venues, out):
    """Run import-schedule on the Camp 2019 example with venues, writing to out; return the result."""
    args = [
        "import-schedule",
        str(EXAMPLES / "frab-camp2019.json"),
        "--venues",
        str(venues),
        "--out",
        str(out),
    ]
    return app.test_cli_runner().invoke(args=args)


def test_import_schedule_prints_the_summary(app, write_venues, tmp_path):
    venues = write_venues("frab-camp2019.json")
    result = import_camp(app, venues, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Chaos Communication Camp 2019 (c3voc schedule JSON):" in result.output
    assert "79 sessions, 7 tracks, languages en, de" in result.output
    assert "Curie -> ziegeleipark/room-0 (by name)" in result.output
    assert "90 persons (90 with an id at the source, 0 without)" in result.output
    assert "Note: 1 overnight sessions" in result.output
    assert json.loads((tmp_path / "out" / "program.json").read_text())["event"]["languages"] == ["en", "de"]


def test_import_schedule_stops_with_one_line_for_an_unknown_room(app, write_venues, tmp_path):
    venues = write_venues("frab-camp2019.json", lambda v: v["features"][0]["properties"]["rooms"].pop())
    result = import_camp(app, venues, tmp_path / "o")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: Room 'Meitner' of the schedule is not in venues.geojson: add its room there, or add the line "
        '"Meitner" = "VENUE-ID/ROOM-ID" to a rooms map and pass it with --rooms.'
    )
    assert "Traceback" not in result.output


def test_follow_schedule_reports_each_poll(followed, release_server):
    app, _, _ = followed
    result = app.test_cli_runner().invoke(
        args=["follow-schedule", release_server.url, "--every", "5", "--polls", "1"]
    )
    assert result.exit_code == 0, result.output
    assert f"{release_server.url}: new release applied: no change to place or time" in result.output


def test_follow_schedule_refuses_a_hammering_interval(app):
    result = app.test_cli_runner().invoke(
        args=["follow-schedule", "http://127.0.0.1:9/x.json", "--every", "1"]
    )
    assert result.exit_code == 1
    assert "Error: --every: 1.0 is not a number of seconds from 5 to 86400." in result.output


def test_nothing_is_followed_without_a_source(app):
    assert start_following(app) is False


def test_a_source_is_followed_in_the_background_at_the_set_interval(app, monkeypatch):
    started = []  # a spy: the task itself is not run (it would poll the source)
    monkeypatch.setattr(socketio, "start_background_task", lambda *task: started.append(task))
    source = "http://127.0.0.1:9/schedule.json"
    app.config.update(SCHEDULE_SOURCE=source, SCHEDULE_POLL_SECONDS="30")
    assert start_following(app) is True  # serve.py then says "Following <source> for new releases"
    assert started == [(follow, app, source, 30.0, None)]
