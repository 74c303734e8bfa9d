"""One event per database: another event's files are refused, or replace it with --replace, archived first."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.sources.conftest import EXAMPLES
from tests.test_startup import _run as run_python
from webapp import create_app
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.live.log import head_seq
from webapp.models import Announcement, Change, EventMeta, Session
from webapp.program.importer import OtherEventError, import_event
from webapp.push.models import PushSubscription, PushTopic
from webapp.release import replace_event
from webapp.sources.convert import import_schedule
from webapp.sources.follow import CONFLICTS_KEY

SHUTTLE = {
    "ko": "셔틀 버스는 15:10에 KINS 타워에서 출발합니다",
    "en": "Shuttle bus leaves KINS Tower at 15:10",
}
ENDPOINT = "https://fcm.googleapis.com/fcm/send/one-phone"


@pytest.fixture
def democon_files(tmp_path):
    """Return the DemoCon event's files: another event, with its own id."""
    out = tmp_path / "democon"
    import_schedule(str(EXAMPLES / "pretalx-democon.json"), out_dir=out)
    venues = json.loads((out / "venues.geojson").read_text())
    venues["features"][0]["geometry"] = {"type": "Point", "coordinates": [13.4, 52.52]}  # placed
    (out / "venues.geojson").write_text(json.dumps(venues))
    return {"VENUES_FILE": str(out / "venues.geojson"), "PROGRAM_FILE": str(out / "program.json")}


@pytest.fixture
def lived_in(app):
    """The embedded event with a day's worth of what belongs to it: changes, an announcement, a subscriber."""
    with app.app_context():
        apply_change({"kind": "cancel", "session": "gmp-audit", "reason": "Speaker ill"}, by="alice")
        apply_change(
            {"kind": "announce", "text": SHUTTLE, "venue": None, "expires_in_minutes": 600},
            by="alice",
            now=datetime(2023, 11, 29, 1, 0, tzinfo=UTC),
        )
        now = datetime.now(UTC)
        subscription = PushSubscription(
            endpoint=ENDPOINT, p256dh="k" * 87, auth="a" * 22, lang="ko", created_at=now, updated_at=now
        )
        subscription.topics = [PushTopic(session_id="gmp-audit")]
        db.session.add(subscription)
        db.session.add(EventMeta(key=CONFLICTS_KEY, value=[{"session": "gmp-audit", "kind": "retime"}]))
        db.session.commit()
    return app


@pytest.fixture
def other_app():
    """Return a callable making an app on another app's database with other event files, not imported."""
    apps = []

    def _make(app, files: dict):
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, **files})
        apps.append(other)
        return other

    yield _make
    for other in apps:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def counts(app) -> tuple:
    with app.app_context():
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        return count(Session), count(Change), count(Announcement), count(PushSubscription), head_seq()


def test_importing_another_event_is_refused_with_one_sentence_and_changes_nothing(
    lived_in, democon_files, other_app
):
    before = counts(lived_in)
    democon = other_app(lived_in, democon_files)
    with democon.app_context(), pytest.raises(OtherEventError) as caught:
        import_event(democon.extensions["event"])
    message = str(caught.value)
    assert message.startswith("The database ")
    assert (
        " holds the event 'sbic-2023', not 'democon': to run both side by side, give this event its own database (DATABASE_URL); to replace the old one here, run `flask --app webapp import-event --replace`, which first archives"
        in message
    )
    assert "\n" not in message
    assert counts(lived_in) == before


def test_the_command_and_the_release_step_refuse_it_too(lived_in, democon_files, other_app):
    democon = other_app(lived_in, democon_files)
    for command in (["import-event"], ["release"]):
        result = democon.test_cli_runner().invoke(args=command)
        assert result.exit_code == 1, result.output
        last = result.output.splitlines()[-1]  # after alembic's lines (the release step migrates first)
        assert last.startswith("Error: The database ")
        assert "holds the event 'sbic-2023', not 'democon'" in last


def test_replace_archives_the_old_events_log_and_starts_the_new_one_at_seq_1(
    lived_in, democon_files, tmp_path, other_app
):
    democon = other_app(lived_in, democon_files)
    replaced = replace_event(democon, tmp_path / "archive")

    assert replaced.old_event == "sbic-2023"
    assert replaced.counts == {
        "changes": 2,
        "announcements": 1,
        "conflicts": 1,
        "push subscriptions": 1,
        "saved venues": 0,
    }
    assert str(replaced).startswith(
        f"Archived the event 'sbic-2023' (changes: 2, announcements: 1, conflicts: 1, push subscriptions: 1, saved venues: 0) to {replaced.archive}; imported the new one: 39 added"
    )
    archive = json.loads(replaced.archive.read_text())
    assert oct(replaced.archive.stat().st_mode & 0o777) == "0o600"
    assert [c["kind"] for c in archive["change_log"]] == ["cancel", "announce"]
    assert archive["announcements"][0]["text"]["en"] == SHUTTLE["en"]
    assert archive["event_meta"][CONFLICTS_KEY] == [{"session": "gmp-audit", "kind": "retime"}]
    assert archive["push_subscriptions"][0]["endpoint"] == ENDPOINT
    assert archive["push_subscriptions"][0]["sessions"] == ["gmp-audit"]

    sessions, changes, announcements, subscriptions, head = counts(democon)
    assert (sessions, changes, announcements, subscriptions, head) == (36, 0, 0, 0, 0)
    client = democon.test_client()
    assert client.get("/api/changes?since=0").get_json()["changes"] == []
    assert SHUTTLE["en"] not in client.get("/?lang=en").get_data(as_text=True)
    with democon.app_context():
        first = db.session.scalars(sa.select(Session.id).order_by(Session.id)).first()
        change = apply_change({"kind": "cancel", "session": first, "reason": "Room flooded"}, by="bob")
        assert change.seq == 1
        assert db.session.get(EventMeta, "event_id").value == "democon"
    # The next start of the new event's files is an ordinary, idempotent import.
    with democon.app_context():
        assert str(import_event(democon.extensions["event"])).startswith("0 added, 0 changed, 0 removed")


def test_the_command_replaces_and_names_the_archive(lived_in, democon_files, tmp_path, other_app):
    democon = other_app(lived_in, democon_files)
    result = democon.test_cli_runner().invoke(
        args=["import-event", "--replace", "--archive-dir", str(tmp_path / "a")]
    )
    assert result.exit_code == 0, result.output
    [archive] = (tmp_path / "a").iterdir()
    assert archive.name.startswith("sbic-2023-") and archive.suffix == ".json"
    assert f"to {archive}; imported the new one: 39 added" in result.output
    assert result.output.rstrip().endswith("its change log starts at seq 1.")


def test_a_database_from_before_event_ids_were_kept_is_recognised_by_its_sessions(
    lived_in, democon_files, other_app
):
    with lived_in.app_context():
        db.session.delete(db.session.get(EventMeta, "event_id"))
        db.session.commit()
    democon = other_app(lived_in, democon_files)
    with (
        democon.app_context(),
        pytest.raises(
            OtherEventError,
            match=r"holds an earlier event \(none of its sessions is in these files\), not 'democon'",
        ),
    ):
        import_event(democon.extensions["event"])
    # Its own files are recognised: the id is recorded, nothing else changes.
    with lived_in.app_context():
        import_event(lived_in.extensions["event"])
        assert db.session.get(EventMeta, "event_id").value == "sbic-2023"


def test_the_server_stops_with_one_sentence_on_another_events_database(tmp_path, democon_files):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    assert run_python(["-m", "flask", "--app", "webapp", "release"], DATABASE_URL=url).returncode == 0
    result = run_python(["serve.py"], DATABASE_URL=url, **democon_files)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            f"Venue Live cannot start: The database {url} holds the event 'sbic-2023', not 'democon': to run both"
        )
    )
