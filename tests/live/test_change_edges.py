"""Edges of staff changes the mutation check found untested (tests/README.md): adding a session, written and
published or refused whole; an announcement's longest life, to the minute."""

import copy
import json
from datetime import timedelta

import pytest

from tests.conftest import ROOT
from tests.live.test_changes import NOW, published  # noqa: F401 (the fixture: what apply_change publishes)
from webapp.extensions import current_event, db
from webapp.live.changes import ChangeError, apply_change
from webapp.live.log import head_seq
from webapp.live.schemas import MAX_ANNOUNCEMENT_MINUTES, event_window
from webapp.models import Announcement, Session

GMP = next(s for s in json.loads((ROOT / "program.json").read_text())["sessions"] if s["id"] == "gmp-audit")


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def new_session(**fields) -> dict:
    return {"kind": "add", "new_session": copy.deepcopy(GMP) | {"id": "gmp-audit-2"} | fields}


def test_an_added_session_is_written_and_published(in_app, published):  # noqa: F811
    added = apply_change({**new_session(), "allow_clash": True}, by="alice", now=NOW)  # in the copied room
    stored = db.session.get(Session, "gmp-audit-2")
    assert stored is not None and stored.status == "scheduled" and stored.room_id == GMP["room"]
    assert (added.kind, added.seq, added.before) == ("add", 1, None)
    # Published with the new session's data, so pages draw its row without asking the server.
    sent = {k: v for k, v in added.to_dict().items() if k != "by"}
    assert published == [("change", {**sent, "new_session": published[0][1]["new_session"]})]
    shown = published[0][1]["new_session"]
    assert shown["id"] == "gmp-audit-2" and shown["title"] == stored.to_dict()["title"]
    assert shown["track"] == stored.track_id and shown["mode"] == stored.mode
    # It starts at version 1, as an imported session does: an edit made against that version goes through.
    cancelled = apply_change(
        {"kind": "cancel", "session": "gmp-audit-2", "reason": "Ill", "expected_version": 1},
        by="alice",
        now=NOW,
    )
    assert cancelled.after["status"] == "cancelled" and db.session.get(Session, "gmp-audit-2").version == 2


def test_adding_a_session_whose_id_is_taken_is_a_409_and_changes_nothing(in_app, published):  # noqa: F811
    before = db.session.get(Session, "gmp-audit").titles
    with pytest.raises(ChangeError) as refused:
        apply_change(new_session(id="gmp-audit", title={"en": "Another"}), by="alice", now=NOW)
    assert refused.value.status == 409 and "already a session 'gmp-audit'" in str(refused.value)
    db.session.expire_all()
    assert db.session.get(Session, "gmp-audit").titles == before
    assert head_seq() == 0 and published == []


def test_an_announcement_may_last_exactly_the_longest_time_and_not_a_minute_more(in_app, published):  # noqa: F811
    longest = NOW + timedelta(minutes=MAX_ANNOUNCEMENT_MINUTES)
    with pytest.raises(ChangeError) as refused:
        announce = {"kind": "announce", "text": {"en": "Too long"}}
        apply_change(
            announce | {"expires_at": (longest + timedelta(minutes=1)).isoformat()}, by="alice", now=NOW
        )
    assert refused.value.status == 400 and "at most 7 days" in str(refused.value)
    assert head_seq() == 0 and published == []
    made = apply_change(announce | {"expires_at": longest.isoformat()}, by="alice", now=NOW)
    assert db.session.get(Announcement, made.announcement_id).expires_at == longest


def test_undoing_a_room_status_after_a_later_one_is_a_409_and_changes_nothing(in_app, published):  # noqa: F811
    room = {"kind": "room_status", "room": "kins-7f-auditorium"}
    full = apply_change(room | {"status": "full"}, by="alice", now=NOW)
    apply_change(room | {"status": "open"}, by="alice", now=NOW)
    with pytest.raises(ChangeError) as refused:
        apply_change({"kind": "undo", "seq": full.seq}, by="alice", now=NOW)
    assert refused.value.status == 409 and "The room has changed since" in str(refused.value)
    assert head_seq() == 2 and len(published) == 2
    # Undoing the latest one goes through: the room is full again.
    undone = apply_change({"kind": "undo", "seq": 2}, by="alice", now=NOW)
    assert undone.after == {"status": "full"} and undone.seq == 3


def test_an_invalid_new_session_is_a_400_naming_the_field(in_app, published):  # noqa: F811
    with pytest.raises(ChangeError) as refused:
        apply_change(new_session(start="not a time"), by="alice", now=NOW)
    assert refused.value.status == 400 and str(refused.value).startswith("'new_session': ")
    assert db.session.get(Session, "gmp-audit-2") is None and published == []


def test_retracting_an_announcement_twice_is_a_400_and_publishes_once(in_app, published):  # noqa: F811
    made = apply_change(
        {"kind": "announce", "text": {"en": "Shuttle"}, "expires_in_minutes": 30}, by="alice", now=NOW
    )
    retract = {"kind": "retract", "announcement": made.announcement_id}
    apply_change(retract, by="alice", now=NOW)
    with pytest.raises(ChangeError) as refused:
        apply_change(retract, by="alice", now=NOW)
    assert refused.value.status == 400 and str(refused.value) == "That announcement is already retracted."
    assert head_seq() == 2 and len(published) == 2


def test_undoing_an_announcement_already_retracted_is_a_409(in_app, published):  # noqa: F811
    made = apply_change(
        {"kind": "announce", "text": {"en": "Shuttle"}, "expires_in_minutes": 30}, by="alice", now=NOW
    )
    apply_change({"kind": "retract", "announcement": made.announcement_id}, by="alice", now=NOW)
    with pytest.raises(ChangeError) as refused:
        apply_change({"kind": "undo", "seq": made.seq}, by="alice", now=NOW)
    assert refused.value.status == 409 and "That announcement has changed since" in str(refused.value)
    assert head_seq() == 2 and len(published) == 2


def test_an_announcement_that_expires_now_is_refused(in_app, published):  # noqa: F811
    with pytest.raises(ChangeError) as refused:
        apply_change(
            {"kind": "announce", "text": {"en": "x"}, "expires_at": NOW.isoformat()}, by="alice", now=NOW
        )
    assert refused.value.status == 400 and "already have expired" in str(refused.value)
    assert head_seq() == 0 and published == []


def test_a_session_may_be_retimed_to_the_very_ends_of_the_event_window_and_not_a_minute_past(
    in_app,
    published,  # noqa: F811
):
    earliest, latest = event_window(current_event().event.days, current_event().tz)
    hour, minute = timedelta(hours=1), timedelta(minutes=1)

    def retime(start, end):
        return apply_change(
            {"kind": "retime", "session": "gmp-audit", "start": start.isoformat(), "end": end.isoformat()},
            by="alice",
            now=NOW,
        )

    for start, end in ((earliest - minute, earliest + hour), (latest - hour, latest + minute)):
        with pytest.raises(ChangeError) as refused:
            retime(start, end)
        assert refused.value.status == 400 and "must fall within the event's days" in refused.value.message
    assert head_seq() == 0 and published == []
    for start, end in ((earliest, earliest + hour), (latest - hour, latest)):
        retime(start, end)
        stored = db.session.get(Session, "gmp-audit")
        assert (stored.start_at, stored.end_at) == (start, end)
    assert head_seq() == 2 and len(published) == 2
