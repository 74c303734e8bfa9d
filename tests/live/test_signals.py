"""After a commit, a receiver of change_committed that fails cannot fail the change or stop the others.

Each receiver (the push outbox, the page cache, the audit log) is made to fail in turn, by breaking the
database transaction and raising: a batch is still committed, answered and published whole, every
other receiver still gets every change, and the failure is logged (SQLite and PostgreSQL).
"""

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.live.changes import apply_changes
from webapp.live.log import changes_since, head_seq
from webapp.live.protocol import CHANGE
from webapp.live.signals import change_committed
from webapp.staff.accounts import create_staff, issue_token

NOW = datetime(2023, 11, 29, 1, 30, tzinfo=UTC)
BATCH = [
    {"kind": "room_status", "room": "hip-future-hall", "status": "full"},
    {"kind": "cancel", "session": "ivd-panel", "reason": "Speaker ill"},
    {"kind": "move", "session": "gmp-audit", "room": "kins-7f-meeting-room"},
]
# Every receiver there is: a new one must be added here, so that it is made to fail too.
RECEIVERS = {
    "push outbox": "_on_change_committed",
    "page cache": "_forget_head",
    "audit log": "log_change",
}


@pytest.fixture
def published(monkeypatch):
    """Record what publish() sends to clients."""
    sent = []
    monkeypatch.setattr(
        "webapp.live.changes.socketio.emit", lambda event, data, **kw: sent.append((event, data["seq"]))
    )
    return sent


@pytest.fixture(params=list(RECEIVERS))
def failing(request, app):
    """Make one receiver fail (a broken statement, then its exception); spy on the others.

    Yields (the failing receiver's name, {name: seqs each other receiver was sent}).
    """
    originals = {receiver.__name__: receiver for receiver in change_committed.receivers_for(None)}
    assert set(originals) == set(RECEIVERS.values())
    fails = RECEIVERS[request.param]
    seen = {name: [] for name in originals if name != fails}

    def failure(change, **_kw):
        # On PostgreSQL this aborts the transaction: what runs next must not inherit it.
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    def spy(name):
        def receiver(change, **kw):
            seen[name].append(change.seq)
            return originals[name](change, **kw)

        return receiver

    stand_ins = [failure] + [spy(name) for name in seen]
    for original in originals.values():
        change_committed.disconnect(original)
    for stand_in in stand_ins:
        change_committed.connect(stand_in, weak=False)
    yield request.param, seen
    for stand_in in stand_ins:
        change_committed.disconnect(stand_in)
    for original in originals.values():
        change_committed.connect(original)


def failures(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "webapp.live.signals" and r.exc_info]


def test_a_failing_receiver_neither_fails_a_batch_nor_stops_its_publication(app, published, failing, caplog):
    _name, seen = failing
    with app.app_context():
        rows = apply_changes(BATCH, by="alice", now=NOW)
        assert [row.seq for row in rows] == [1, 2, 3]
    assert published == [(CHANGE, 1), (CHANGE, 2), (CHANGE, 3)]
    assert all(seqs == [1, 2, 3] for seqs in seen.values()), seen
    assert len(failures(caplog)) == 3 and "failure failed for 1" in failures(caplog)[0]
    with app.app_context():
        assert head_seq() == 3 and len(changes_since(0, 10)) == 3


def test_a_failing_receiver_does_not_turn_a_committed_change_into_an_error(app, published, failing, caplog):
    _name, seen = failing
    with app.app_context():
        create_staff("alice", "correct horse battery staple")
        bearer = {"Authorization": f"Bearer {issue_token('alice')}"}
    client = app.test_client()
    for expected, change in enumerate(BATCH, start=1):
        response = client.post("/api/changes", json=change, headers=bearer)
        assert response.status_code == 201 and response.get_json()["seq"] == expected
    assert [seq for _event, seq in published] == [1, 2, 3]
    assert all(seqs == [1, 2, 3] for seqs in seen.values()), seen
    # The page cache's receiver makes this process read the head again: the pages show every change.
    assert client.get("/api/changes?since=0").get_json()["seq"] == 3
    assert len(failures(caplog)) == 3


def test_receivers_still_see_a_healthy_session(app, published, caplog):
    # Without a failure nothing is logged, and every receiver runs once per change.
    caplog.set_level(logging.INFO)
    with app.app_context():
        apply_changes(BATCH[:1], by="alice", now=NOW)
    assert failures(caplog) == []
    assert any("change seq=1" in r.getMessage() for r in caplog.records)
