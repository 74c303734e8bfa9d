"""Staff changes: every kind applies, every refusal writes and publishes nothing, seq has no gaps."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.live.changes import HANDLERS, ChangeError, apply_change, apply_changes
from webapp.live.log import changes_since, head_seq, recent_changes, staff_state
from webapp.live.schemas import KIND_MODELS, KINDS, kind_words
from webapp.models import Announcement, EventMeta, Room, Session
from webapp.program.importer import import_event

NOW = datetime(2023, 11, 29, 1, 30, tzinfo=UTC)


@pytest.fixture
def published(monkeypatch):
    """Record what apply_change publishes instead of sending it."""
    sent = []
    monkeypatch.setattr(
        "webapp.live.changes.socketio.emit", lambda event, data, **kw: sent.append((event, data))
    )
    return sent


@pytest.fixture
def change(app, published):
    """Return a callable applying one change as staff 'alice' inside the app context."""
    ctx = app.app_context()
    ctx.push()

    def _apply(**data):
        return apply_change(data, by="alice", now=NOW)

    yield _apply
    ctx.pop()


def test_move_session_to_another_venue(change, published):
    result = change(kind="move", session="dentistry-industry", room="kins-7f-meeting-room")
    s = db.session.get(Session, "dentistry-industry")
    assert (s.venue_id, s.room_id) == ("kins-tower", "kins-7f-meeting-room")
    assert result.before["venue"] == "training-center" and result.after["venue"] == "kins-tower"
    assert result.seq == 1 and result.by == "alice" and result.subject["en"]
    assert published == [("change", {k: v for k, v in result.to_dict().items() if k != "by"})]


def test_retime_by_delay_and_by_times(change):
    change(kind="retime", session="opening-ceremony", delay_minutes=15)
    s = db.session.get(Session, "opening-ceremony")
    assert (s.start_at.isoformat(), s.end_at.isoformat()) == (
        "2023-11-29T07:15:00+00:00",
        "2023-11-29T08:15:00+00:00",
    )
    change(
        kind="retime",
        session="opening-ceremony",
        start="2023-11-29T17:00+09:00",
        end="2023-11-29T18:30+09:00",
    )
    assert s.end_at.isoformat() == "2023-11-29T09:30:00+00:00"


def test_cancel_then_restore(change):
    change(kind="cancel", session="ivd-panel", reason="Speaker ill")
    s = db.session.get(Session, "ivd-panel")
    assert (s.status, s.status_reason) == ("cancelled", "Speaker ill")
    change(kind="restore", session="ivd-panel")
    assert (s.status, s.status_reason) == ("scheduled", None)


def test_room_full_and_stream_live(change):
    change(kind="room_status", room="kins-7f-auditorium", status="full")
    assert db.session.get(Room, "kins-7f-auditorium").status == "full"
    change(kind="stream_status", session="keynote-ohno-machado", status="live")
    assert db.session.get(Session, "keynote-ohno-machado").stream_status == "live"


def test_announce_and_retract(change):
    made = change(
        kind="announce", text={"ko": "셔틀 출발", "en": "Shuttle leaving"}, venue=None, expires_in_minutes=30
    )
    assert made.after["text"] == {"ko": "셔틀 출발", "en": "Shuttle leaving"}  # each language its own
    item = db.session.get(Announcement, made.announcement_id)
    assert item.expires_at == NOW + timedelta(minutes=30) and not item.retracted
    change(kind="retract", announcement=item.id)
    assert item.retracted


def test_announcement_in_one_language_shows_in_both(change):
    made = change(
        kind="announce", text={"en": "Lunch moved to B1"}, venue="gravity-pangyo", expires_in_minutes=10
    )
    assert made.after["text"] == {"ko": "Lunch moved to B1", "en": "Lunch moved to B1"}


def test_undo_restores_the_state_before(change):
    moved = change(kind="move", session="gmp-audit", room="kins-7f-meeting-room")
    undone = change(kind="undo", seq=moved.seq)
    s = db.session.get(Session, "gmp-audit")
    assert s.room_id == "training-center-lecture-room" and undone.undoes == moved.seq
    full = change(kind="room_status", room="hip-future-hall", status="full")
    change(kind="undo", seq=full.seq)
    assert db.session.get(Room, "hip-future-hall").status == "open"
    told = change(kind="announce", text={"en": "x"}, expires_in_minutes=5)
    change(kind="undo", seq=told.seq)
    assert db.session.get(Announcement, told.announcement_id).retracted


def test_undoing_a_retraction_shows_the_announcement_again_and_undoing_that_retracts_it(change, published):
    told = change(kind="announce", text={"en": "Shuttle"}, expires_in_minutes=30)
    retracted = change(kind="retract", announcement=told.announcement_id)
    shown_again = change(kind="undo", seq=retracted.seq)
    assert (shown_again.before["retracted"], shown_again.after["retracted"]) == (True, False)
    assert not db.session.get(Announcement, told.announcement_id).retracted
    hidden = change(kind="undo", seq=shown_again.seq)  # an undo undone: the other way again
    assert db.session.get(Announcement, told.announcement_id).retracted and hidden.after["retracted"]
    assert [data["seq"] for _, data in published] == [told.seq, retracted.seq, shown_again.seq, hidden.seq]


def test_undo_after_a_later_change_is_a_conflict(change):
    moved = change(kind="move", session="gmp-audit", room="kins-7f-meeting-room")
    change(kind="retime", session="gmp-audit", delay_minutes=10)
    with pytest.raises(ChangeError) as caught:
        change(kind="undo", seq=moved.seq)
    assert caught.value.status == 409


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"kind": "teleport"}, 400, "'kind' must be one of"),
        ({"kind": "move", "session": "nope", "room": "kins-7f-auditorium"}, 404, "no session 'nope'"),
        ({"kind": "move", "session": "gmp-audit", "room": "nope"}, 404, "no room 'nope'"),
        (
            {"kind": "move", "session": "gmp-audit", "room": "kins-7f-auditorium", "venue": "gravity-pangyo"},
            400,
            "is not in venue 'gravity-pangyo'",
        ),
        (
            {"kind": "move", "session": "gmp-audit", "room": "training-center-lecture-room"},
            400,
            "leave the session as",
        ),
        (
            {
                "kind": "retime",
                "session": "gmp-audit",
                "start": "2023-11-30T15:00+09:00",
                "end": "2023-11-30T14:00+09:00",
            },
            400,
            "'end' must be after 'start'",
        ),
        (
            {"kind": "retime", "session": "gmp-audit", "start": "2023-11-30T15:00", "end": "x"},
            400,
            "no UTC offset",
        ),
        ({"kind": "retime", "session": "gmp-audit", "delay_minutes": 0}, 400, "delay_minutes"),
        ({"kind": "restore", "session": "gmp-audit"}, 400, "not cancelled"),
        ({"kind": "cancel", "session": "gmp-audit", "reason": "x" * 281}, 400, "at most 280"),
        (
            {"kind": "room_status", "room": "hip-future-hall", "status": "closed"},
            400,
            "'status' should be 'open' or 'full'",
        ),
        ({"kind": "room_status", "room": "hip-future-hall", "status": "open"}, 400, "already open"),
        ({"kind": "stream_status", "session": "gmp-audit", "status": "live"}, 400, "https://"),
        ({"kind": "announce", "text": {"ko": " ", "en": ""}, "expires_in_minutes": 5}, 400, "needs text"),
        ({"kind": "announce", "text": {"en": "x" * 281}, "expires_in_minutes": 5}, 400, "at most 280"),
        (
            {"kind": "announce", "text": {"en": "Lunch", "fr": "Déjeuner"}, "expires_in_minutes": 5},
            400,
            "'text.fr' is not one of the event's languages (ko, en).",
        ),
        (
            {"kind": "announce", "text": {"en": "x"}, "expires_at": "2023-11-29T09:00+09:00"},
            400,
            "already have expired",
        ),
        (
            {"kind": "announce", "text": {"en": "x"}, "venue": "moon", "expires_in_minutes": 5},
            404,
            "no venue 'moon'",
        ),
        ({"kind": "retract", "announcement": 99}, 404, "no announcement"),
        ({"kind": "undo", "seq": 99}, 404, "no change 99"),
    ],
)
def test_refused_changes_write_and_publish_nothing(change, published, data, status, words):
    with pytest.raises(ChangeError) as caught:
        change(**data)
    assert caught.value.status == status and words in caught.value.message
    assert head_seq() == 0 and recent_changes() == [] and published == []
    assert db.session.get(Session, "gmp-audit").room_id == "training-center-lecture-room"


@pytest.mark.parametrize(
    ("last", "status"),
    [
        ({"kind": "move", "session": "gmp-audit", "room": "no-such-room"}, 404),
        # Refused only because of an earlier item of the same batch: it is already cancelled.
        ({"kind": "cancel", "session": "ivd-panel"}, 400),
        ({"kind": "move", "session": "gmp-audit", "room": "hip-future-hall", "expected_version": 99}, 409),
    ],
)
def test_a_batch_whose_later_item_is_refused_writes_and_publishes_nothing(
    app, published, caplog, last, status
):
    batch = [
        {"kind": "room_status", "room": "hip-future-hall", "status": "full"},
        {"kind": "cancel", "session": "ivd-panel", "reason": "Speaker ill"},
        {"kind": "announce", "text": {"en": "Lunch moved"}, "expires_in_minutes": 60},
        last,
    ]

    def also():
        db.session.add(EventMeta(key="batch-marker", value="written"))

    with app.app_context():
        with pytest.raises(ChangeError) as caught:
            apply_changes(batch, by="alice", now=NOW, also=also)
        assert caught.value.status == status
    with app.app_context():  # a new session: what the database holds
        assert head_seq() == 0 and changes_since(0, 10) == []
        assert db.session.get(Room, "hip-future-hall").status == "open"
        assert db.session.get(Session, "ivd-panel").status == "scheduled"
        assert db.session.scalars(sa.select(Announcement)).all() == []
        assert db.session.get(EventMeta, "batch-marker") is None
    assert published == [] and not [r for r in caplog.records if r.name == "webapp.live.audit_log"]
    # And the same batch without its refused item goes through whole.
    with app.app_context():
        assert [c.seq for c in apply_changes(batch[:3], by="alice", now=NOW, also=also)] == [1, 2, 3]
        assert db.session.get(EventMeta, "batch-marker").value == "written"
    assert [data["seq"] for _event, data in published] == [1, 2, 3]


def test_a_stale_edit_gets_409_and_the_current_state(change):
    s = db.session.get(Session, "gmp-audit")
    seen = s.version
    change(kind="retime", session="gmp-audit", delay_minutes=10, expected_version=seen)
    with pytest.raises(ChangeError) as caught:
        change(kind="move", session="gmp-audit", room="kins-7f-meeting-room", expected_version=seen)
    assert caught.value.status == 409
    assert caught.value.current["start"] == "2023-11-30T04:10:00+00:00"  # 13:10 in Seoul
    assert db.session.get(Session, "gmp-audit").room_id == "training-center-lecture-room"


def test_seq_is_gap_free_even_after_refusals(change):
    change(kind="room_status", room="hip-future-hall", status="full")
    with pytest.raises(ChangeError):
        change(kind="room_status", room="hip-future-hall", status="full")
    change(kind="room_status", room="hip-future-hall", status="open")
    assert [c.seq for c in changes_since(0, 10)] == [1, 2]


def test_reimport_keeps_every_staff_change(app, change):
    change(kind="move", session="gmp-audit", room="kins-7f-meeting-room")
    change(kind="cancel", session="ivd-panel", reason="Speaker ill")
    change(kind="room_status", room="kins-7f-auditorium", status="full")
    import_event(app.extensions["event"])
    db.session.expire_all()
    assert db.session.get(Session, "gmp-audit").room_id == "kins-7f-meeting-room"
    assert db.session.get(Session, "ivd-panel").status == "cancelled"
    assert db.session.get(Room, "kins-7f-auditorium").status == "full"
    assert set(staff_state()) == {
        ("session", "gmp-audit"),
        ("session", "ivd-panel"),
        ("room", "kins-7f-auditorium"),
    }


def test_two_staff_editing_at_once_one_wins_one_gets_409(app, published):
    """Two threads send edits based on the same version at the same moment."""
    with app.app_context():
        seen = db.session.get(Session, "gmp-audit").version
    barrier, outcomes = threading.Barrier(2), []

    def edit(room):
        with app.app_context():
            barrier.wait()
            try:
                data = {"kind": "move", "session": "gmp-audit", "room": room, "expected_version": seen}
                outcomes.append(apply_change(data, by=room, now=NOW).seq)
            except ChangeError as exc:
                outcomes.append(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit, args=(r,)) for r in ("kins-7f-meeting-room", "hip-future-hall")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == [1, 409]
    with app.app_context():
        assert head_seq() == 1 and len(changes_since(0, 10)) == 1


@pytest.mark.parametrize(
    "data",
    [
        {
            "kind": "retime",
            "session": "gmp-audit",
            "start": "9999-12-31T10:00+00:00",
            "end": "9999-12-31T11:00+00:00",
        },
        {
            "kind": "retime",
            "session": "gmp-audit",
            "start": "0001-01-01T10:00+00:00",
            "end": "0001-01-01T11:00+00:00",
        },
        {
            "kind": "retime",
            "session": "gmp-audit",
            "start": "2023-11-30T10:00+09:00",
            "end": "2024-11-30T11:00+09:00",
        },
    ],
)
def test_times_outside_the_event_are_refused(change, published, data):
    with pytest.raises(ChangeError) as caught:
        change(**data)
    assert caught.value.status == 400 and "within the event's days" in caught.value.message
    assert published == [] and head_seq() == 0


def test_text_that_is_not_unicode_is_refused_before_it_is_stored(change, published):
    with pytest.raises(ChangeError) as caught:
        change(kind="cancel", session="gmp-audit", reason="\ud800")
    assert caught.value.status == 400 and "'reason'" in caught.value.message
    assert published == []


def test_attendees_are_not_sent_who_made_a_change(change, published):
    result = change(kind="room_status", room="hip-future-hall", status="full")
    assert result.by == "alice"
    assert published and all("by" not in data for _event, data in published)


def test_every_kind_has_a_handler_and_a_word(app):
    # Besides the kinds anyone may post, a feature may log its own (a venues save, webapp/program/eventstore.py).
    assert set(HANDLERS) >= set(KIND_MODELS) and len(KINDS) == len(set(KINDS)) == len(KIND_MODELS)
    with app.test_request_context():
        assert set(kind_words()) == set(KINDS) and all(kind_words().values())


@pytest.mark.parametrize("unwritten", ["added", "modified", "deleted"])
def test_a_caller_holding_unwritten_writes_is_refused_and_nothing_is_written(change, published, unwritten):
    # apply_changes ends the caller's transaction before it locks the log: writes the caller has not
    # committed would be rolled back on the quiet, so it refuses (they go in `also`).
    db.session.add(EventMeta(key="note", value=[]))
    db.session.commit()
    if unwritten == "added":
        db.session.add(EventMeta(key="other", value=[]))
    elif unwritten == "modified":
        db.session.get(Room, "hip-future-hall").status = "full"
    else:
        db.session.delete(db.session.get(EventMeta, "note"))
    with pytest.raises(RuntimeError, match="holds unwritten changes"):
        change(kind="room_status", room="kins-7f-auditorium", status="full")
    db.session.rollback()
    assert head_seq() == 0 and published == []
    assert db.session.get(Room, "kins-7f-auditorium").status == "open"
