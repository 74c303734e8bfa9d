"""Catch-up answers: one `changes` message for a page that reads batches, built once for a storm of clients."""

import pytest
from flask_migrate import upgrade

from webapp import create_app
from webapp.extensions import db, socketio
from webapp.live import replay
from webapp.live.changes import apply_change, public_change
from webapp.program.importer import import_event


@pytest.fixture
def flips(app):
    """Make n more changes (the auditorium full, open, full...); return their public form."""
    made = []

    def _flip(n):
        start = len(made)
        with app.app_context():
            for i in range(start, start + n):
                status = "full" if i % 2 == 0 else "open"
                data = {"kind": "room_status", "room": "kins-7f-auditorium", "status": status}
                made.append(public_change(apply_change(data, by="alice")))
        return made[start:]

    return _flip


@pytest.fixture
def builds(monkeypatch):
    """Count the times the change log is read for a catch-up."""
    counted, real = [], replay.changes_since
    monkeypatch.setattr(replay, "changes_since", lambda *a: counted.append(a) or real(*a))
    return counted


def test_a_page_that_reads_batches_gets_what_it_missed_in_one_message(app, flips):
    made = flips(4)
    one_by_one = socketio.test_client(app, auth={"since": 1})
    batched = socketio.test_client(app, auth={"since": 1, "batch": True})
    singles = one_by_one.get_received()
    assert [m["name"] for m in singles] == ["change", "change", "change", "synced"]
    got = batched.get_received()
    assert [m["name"] for m in got] == ["changes", "synced"]
    assert got[0]["args"][0] == {"changes": made[1:]} == {"changes": [m["args"][0] for m in singles[:3]]}
    assert got[1]["args"][0] == {"seq": 4}


def test_a_page_that_missed_nothing_gets_only_synced(app, flips):
    flips(2)
    current = socketio.test_client(app, auth={"since": 2, "batch": True})
    assert current.get_received() == [{"name": "synced", "args": [{"seq": 2}], "namespace": "/"}]


def test_a_storm_of_clients_with_the_same_since_reads_the_log_once(app, flips, builds):
    flips(3)
    storm = [socketio.test_client(app, auth={"since": 1, "batch": True}) for _ in range(20)]
    answers = [c.get_received() for c in storm]
    assert all(a == answers[0] for a in answers) and [
        c["seq"] for c in answers[0][0]["args"][0]["changes"]
    ] == [2, 3]
    assert len(builds) == 1
    socketio.test_client(app, auth={"since": 0, "batch": True})  # another since: its own answer
    assert len(builds) == 2
    flips(1)
    later = socketio.test_client(app, auth={"since": 1, "batch": True})  # the head moved: read again
    assert [c["seq"] for c in later.get_received()[0]["args"][0]["changes"]] == [2, 3, 4] and len(builds) == 3


def test_answers_are_kept_per_app(app, flips, tmp_path):
    """Two apps (two databases) in one process never share an answer."""
    flips(2)
    assert [
        m["name"] for m in socketio.test_client(app, auth={"since": 0, "batch": True}).get_received()
    ] == [
        "changes",
        "synced",
    ]
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}"})
    with other.app_context():
        upgrade()
        import_event(other.extensions["event"])
    try:
        fresh = socketio.test_client(other, auth={"since": 0, "batch": True})
        assert fresh.get_received() == [{"name": "synced", "args": [{"seq": 0}], "namespace": "/"}]
    finally:
        with other.app_context():
            db.engine.dispose()


def test_only_the_latest_answers_are_kept(app, flips, builds):
    flips(3)
    kept = replay.Replays(size=2)
    with app.app_context():
        for since in (0, 1, 2, 0):
            kept.answer(socketio.server, since, 3, True)
    assert len(builds) == 4  # since=0 was dropped for 1 and 2, so it was read again
    assert list(kept._answers) == [(2, 3, True), (0, 3, True)]
