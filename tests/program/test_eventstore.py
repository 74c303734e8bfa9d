"""Venues saved in the browser: checked as the file is, imported, logged, and followed by every process."""

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.program.test_venues_edit import edits_of, venue
from tests.servers import free_port, server_env
from webapp import create_app
from webapp.extensions import db
from webapp.live.changes import ChangeError, apply_change
from webapp.live.log import head_seq
from webapp.models import Change, Room, SavedVenues, Session, Venue
from webapp.program import eventstore
from webapp.program.eventdata import EventDataError
from webapp.program.importer import imported_version
from webapp.program.venues_edit import apply_edits, parse_edits
from webapp.release import release, release_lock

ROOM = "kins-7f-auditorium"  # in KINS Tower; these tests move it to the Gravity hotel
SESSION_IN_ROOM = "medical-data-platform"


def moved_document(app, room=ROOM, to="gravity-pangyo") -> tuple[dict, str]:
    """Return the served venues document with room moved to venue to, and the version it starts from."""
    document = eventstore.served_document(app)
    edits = edits_of(document, base=app.extensions["event"].version)
    for v in edits["venues"]:
        if room in v["rooms"]:
            v["rooms"].remove(room)
    venue(edits, to)["rooms"].append(room)
    return apply_edits(document, parse_edits(edits)), edits["base"]


def save(app, document, base, by="olga"):
    with app.app_context():
        return eventstore.save_venues(document, base, by, release_lock)


def test_a_save_is_imported_and_logged_as_one_change(app):
    document, base = moved_document(app)
    event = save(app, document, base)
    with app.app_context():
        assert imported_version() == event.version == app.extensions["event"].version != base
        assert db.session.get(Room, ROOM).venue_id == "gravity-pangyo"
        assert db.session.get(Session, SESSION_IN_ROOM).venue_id == "gravity-pangyo"
        [change] = db.session.scalars(sa.select(Change)).all()
        assert (change.kind, change.by, change.seq) == ("venues", "olga", 1)
        assert change.before["version"] == base and change.after == {
            "version": event.version,
            "venues": 4,
            "rooms": 10,
            "moved_rooms": {ROOM: "gravity-pangyo"},
            "added": [],
            "removed": [],
            "placed": [],
        }
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedVenues)) == 1
    page = app.test_client().get(f"/sessions/{SESSION_IN_ROOM}?lang=en").get_data(as_text=True)
    assert "Gravity" in page


def test_sessions_staff_moved_into_a_room_follow_it(app):
    with app.app_context():
        # The auditorium holds another session then: a clash, allowed here (the room's move is the point).
        apply_change({"kind": "move", "session": "gmp-audit", "room": ROOM, "allow_clash": True}, by="bob")
    document, base = moved_document(app)
    save(app, document, base)
    with app.app_context():
        moved = db.session.get(Session, "gmp-audit")
        assert (moved.venue_id, moved.room_id) == ("gravity-pangyo", ROOM)


def test_another_process_serves_the_save_from_its_next_request(make_app):
    first, second = (
        make_app(EVENT_NOW="2023-11-29T10:30:00+09:00"),
        make_app(EVENT_NOW="2023-11-29T10:30:00+09:00"),
    )
    reader = second.test_client()
    before = reader.get(f"/sessions/{SESSION_IN_ROOM}?lang=en").get_data(as_text=True)
    assert "KINS" in before
    document, base = moved_document(first)
    event = save(first, document, base)
    time.sleep(eventstore_ttl())  # the head is read at most every SEQ_TTL seconds
    after = reader.get(f"/sessions/{SESSION_IN_ROOM}?lang=en").get_data(as_text=True)
    assert second.extensions["event"].version == event.version
    assert "Gravity" in after and after != before
    venues = reader.get("/api/venues").get_json()["features"]
    gravity = next(f for f in venues if f["id"] == "gravity-pangyo")
    assert ROOM in [r["id"] for r in gravity["properties"]["rooms"]]
    assert reader.get(f"/api/sessions?room={ROOM}&venue=gravity-pangyo").status_code == 200


def eventstore_ttl() -> float:
    from webapp.web.pagecache import SEQ_TTL

    return SEQ_TTL + 0.1


def test_a_restart_and_a_release_keep_the_save(make_app, app):
    document, base = moved_document(app)
    event = save(app, document, base)
    restarted = make_app()  # the conftest imports the files again, as an old release would...
    done = release(restarted)[-1]
    assert done.startswith("Imported the event:") and done.endswith(f"(data version {event.version})")
    assert restarted.extensions["event"].version == event.version  # ...and the release puts the save back
    assert release(restarted)[-1] == f"The event is up to date (data version {event.version})."


def test_a_venues_file_changed_on_disk_after_a_save_wins(make_app, event_files):
    venues_path, program_path = event_files()
    files = {"VENUES_FILE": str(venues_path), "PROGRAM_FILE": str(program_path)}
    app = make_app(**files)
    document, base = moved_document(app)
    save(app, document, base)
    data = json.loads(venues_path.read_text())
    data["features"][0]["properties"]["name"]["en"] = "Renamed on disk"
    venues_path.write_text(json.dumps(data, ensure_ascii=False))
    restarted = make_app(**files)
    release(restarted)
    assert restarted.extensions["event"].venues[0].properties.name.translations["en"] == "Renamed on disk"
    with restarted.app_context():
        assert db.session.get(Room, ROOM).venue_id == "kins-tower"
    source = eventstore.venues_source(restarted)
    assert not source.saved
    assert "venues.geojson changed on disk after the venues were saved on /staff/venues" in source.note


def test_a_bad_document_gets_the_files_sentence_and_changes_nothing(app):
    document, base = moved_document(app)
    document["features"][0]["geometry"]["coordinates"] = [500, 37.0]
    with pytest.raises(EventDataError) as caught:
        save(app, document, base)
    assert str(caught.value) == (
        "venues.geojson: feature 'gravity-pangyo', field 'geometry.coordinates': "
        "Value error, longitude 500.0 is outside -180..180"
    )
    unplaced, base = moved_document(app)
    unplaced["features"][1]["geometry"] = None
    with pytest.raises(EventDataError, match="has no coordinates; place it on /staff/venues"):
        save(app, unplaced, base)
    with app.app_context():
        assert head_seq() == 0 and db.session.get(Room, ROOM).venue_id == "kins-tower"


def test_a_save_made_meanwhile_is_not_overwritten(app):
    first, base = moved_document(app)
    save(app, first, base)
    second, _ = moved_document(app, room="hip-future-hall", to="kins-tower")
    with pytest.raises(ChangeError) as caught:
        save(app, second, base)  # the page was opened before the first save
    assert caught.value.status == 409 and "reload" in caught.value.message
    with app.app_context():
        assert head_seq() == 1


def test_a_venue_an_announcement_was_sent_to_is_not_removed(app):
    with app.app_context():
        apply_change(
            {
                "kind": "announce",
                "text": {"en": "Lunch"},
                "venue": "training-center",
                "expires_in_minutes": 30,
            },
            by="bob",
        )
    document = eventstore.served_document(app)
    edits = edits_of(document, base=app.extensions["event"].version)
    gone = venue(edits, "training-center")
    venue(edits, "kins-tower")["rooms"] += gone["rooms"]
    edits["venues"].remove(gone)
    with pytest.raises(ChangeError, match="Venue 'training-center' cannot be removed"):
        save(app, apply_edits(document, parse_edits(edits)), edits["base"])
    with app.app_context():
        assert db.session.get(Venue, "training-center") is not None


def test_a_venues_save_cannot_be_undone_as_a_change(app):
    document, base = moved_document(app)
    save(app, document, base)
    with app.app_context(), pytest.raises(ChangeError, match="cannot be undone") as refused:
        apply_change({"kind": "undo", "seq": 1}, by="bob")
    assert refused.value.status == 400


def test_the_api_refuses_the_venues_kind(client):
    with client.application.app_context():
        from webapp.staff.accounts import create_staff, issue_token

        create_staff("bob", "a long password!")
        token = issue_token("bob")
    response = client.post(
        "/api/changes", json={"kind": "venues"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400 and "'kind' must be one of" in response.get_json()["message"]


# --- Before the venues are placed ---------------------------------------------------------------------


@pytest.fixture
def unplaced_app(event_files, database_url):
    """The embedded event with KINS Tower unplaced, on a migrated database with nothing imported."""
    from flask_migrate import upgrade

    venues_path, program_path = event_files(
        edit_venues=lambda v: next(f for f in v["features"] if f["id"] == "kins-tower").update(geometry=None)
    )
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "VENUES_FILE": str(venues_path),
         "PROGRAM_FILE": str(program_path), "EVENT_NOW": "2023-11-29T10:30:00+09:00"}
    )  # fmt: skip
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_until_the_venues_are_placed_only_setting_up_answers(unplaced_app):
    assert "Not imported: 1 venue(s) have no position yet (kins-tower)" in release(unplaced_app)[-1]
    client = unplaced_app.test_client()
    page = client.get("/?lang=en")
    assert page.status_code == 503 and "This event is being set up" in page.get_data(as_text=True)
    api = client.get("/api/sessions")
    assert api.status_code == 503 and api.get_json()["error"] == "setting_up"
    assert client.get("/login").status_code == 200 and client.get("/healthz").status_code == 200
    assert client.get("/staff/").headers["Location"] == "/staff/venues/"
    # Placing the venue (as /staff/venues saves it) opens every page.
    document = eventstore.served_document(unplaced_app)
    next(f for f in document["features"] if f["id"] == "kins-tower")["geometry"] = {
        "type": "Point", "coordinates": [127.1082, 37.3673],
    }  # fmt: skip
    save(unplaced_app, document, unplaced_app.extensions["event"].version)
    time.sleep(eventstore_ttl())
    assert client.get("/?lang=en").status_code == 200
    assert client.get("/api/sessions").status_code == 200


def test_the_server_starts_with_unplaced_venues_and_says_where_to_place_them(event_files, tmp_path):
    venues_path, program_path = event_files(
        edit_venues=lambda v: next(f for f in v["features"] if f["id"] == "kins-tower").update(geometry=None)
    )
    port = free_port()
    env = server_env(
        VENUES_FILE=str(venues_path), PROGRAM_FILE=str(program_path), HOST="127.0.0.1", PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
    )  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "serve.py"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        status = None
        for _ in range(300):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            except urllib.error.HTTPError as exc:
                status = exc.code
                break
            except OSError:
                time.sleep(0.1)
        assert status == 503, log.read_text()
        output = log.read_text()
        assert "Traceback" not in output
        assert (
            "Not imported: 1 venue(s) have no position yet (kins-tower). An organiser places them at /staff/venues"
            in output
        )
        assert "staff create NAME --role organiser" in output
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert os.path.exists(tmp_path / "serve.db")
