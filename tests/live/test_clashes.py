"""Clashes: a change that puts a session in a room another holds at that time is 409 unless allowed.

Times are the embedded event's, in Seoul (+09:00). In KINS Tower's 7F Auditorium on 29 Nov:
medical-data-hospitals 13:00-14:30, then medical-data-panel 14:45-15:45.
"""

import pytest

from webapp.extensions import db
from webapp.live.changes import ChangeError, apply_changes
from webapp.live.log import head_seq
from webapp.models import Session
from webapp.staff.accounts import create_staff, issue_token


@pytest.fixture
def post(app, client):
    """Return a callable posting one change as staff with a bearer token; it returns (status, body)."""
    with app.app_context():
        create_staff("alice", "correct horse battery staple")
        token = issue_token("alice")

    def _post(**body):
        response = client.post("/api/changes", json=body, headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.get_json()

    return _post


def state(app, session_id: str) -> tuple:
    with app.app_context():
        s = db.session.get(Session, session_id)
        return s.room_id, s.start_at.isoformat(), s.end_at.isoformat(), s.status, s.version


def seq(app) -> int:
    with app.app_context():
        return head_seq()


def clash_ids(body: dict) -> list[str]:
    return [c["session"] for c in body["clashes"]]


def test_a_move_into_a_taken_room_is_409_clash_naming_the_session_and_changes_nothing(app, post):
    before, head = state(app, "dentistry-industry"), seq(app)
    status, body = post(kind="move", session="dentistry-industry", room="kins-7f-auditorium")
    assert status == 409 and body["error"] == "clash"
    with app.app_context():
        panel = db.session.get(Session, "medical-data-panel")
        title = {"ko": panel.titles["ko"], "en": panel.titles["en"]}
    assert body["clashes"] == [
        {
            "session": "medical-data-panel", "title": title, "start": "2023-11-29T14:45:00+09:00",
            "end": "2023-11-29T15:45:00+09:00", "venue": "kins-tower", "room": "kins-7f-auditorium",
        }
    ]  # fmt: skip
    assert f"'{title['en']}' (14:45–15:45)" in body["message"] and '"allow_clash": true' in body["message"]
    assert (state(app, "dentistry-industry"), seq(app)) == (before, head)


def test_allow_clash_makes_the_change_and_both_sessions_hold_the_room(app, post, client):
    status, body = post(
        kind="move", session="dentistry-industry", room="kins-7f-auditorium", allow_clash=True
    )
    assert status == 201 and body["kind"] == "move"
    room = client.get("/api/sessions?room=kins-7f-auditorium&day=2023-11-29").get_json()["sessions"]
    assert {"dentistry-industry", "medical-data-panel"} <= {s["id"] for s in room}


def test_a_move_into_a_free_room_or_one_free_at_that_time_is_not_a_clash(app, post):
    assert post(kind="move", session="dentistry-industry", room="kins-7f-meeting-room")[0] == 201
    # The lecture room holds dentistry-keynote in the morning only: no overlap with 15:00-17:00.
    assert post(kind="move", session="dentistry-industry", room="training-center-lecture-room")[0] == 201


def test_a_delay_into_the_next_session_is_a_clash_and_touching_is_not(app, post):
    assert post(kind="retime", session="medical-data-hospitals", delay_minutes=15)[0] == 201  # ends 14:45
    status, body = post(kind="retime", session="medical-data-hospitals", delay_minutes=1)
    assert status == 409 and clash_ids(body) == ["medical-data-panel"]
    status, body = post(
        kind="retime",
        session="medical-data-panel",
        start="2023-11-29T14:00+09:00",
        end="2023-11-29T15:00+09:00",
    )
    assert status == 409 and clash_ids(body) == ["medical-data-hospitals"]


def test_a_clash_that_was_there_before_the_change_does_not_refuse_it(app, post):
    post(kind="move", session="dentistry-industry", room="kins-7f-auditorium", allow_clash=True)
    # Still overlapping the panel, as it already did: this change does not make the clash.
    assert post(kind="retime", session="dentistry-industry", delay_minutes=5)[0] == 201
    assert post(kind="stream_status", session="medical-data-panel", status="live",
                stream_url="https://example.org/live")[0] == 201  # fmt: skip


def test_a_cancelled_session_holds_no_room(app, post):
    assert post(kind="cancel", session="medical-data-panel")[0] == 201
    assert post(kind="move", session="dentistry-industry", room="kins-7f-auditorium")[0] == 201
    # Restoring the panel now would put it where dentistry-industry is.
    status, body = post(kind="restore", session="medical-data-panel")
    assert status == 409 and clash_ids(body) == ["dentistry-industry"]
    assert post(kind="restore", session="medical-data-panel", allow_clash=True)[0] == 201


def test_an_added_session_in_a_taken_slot_is_a_clash(app, post):
    new = {
        "id": "late-talk", "title": {"ko": "늦게 추가된 발표", "en": "A late talk"}, "track": "business", "speakers": [],
        "start": "2023-11-29T15:00:00+09:00", "end": "2023-11-29T15:30:00+09:00", "venue": "kins-tower",
        "room": "kins-7f-auditorium", "mode": "in_person", "provenance": "sourced", "language": "ko",
    }  # fmt: skip
    status, body = post(kind="add", new_session=new)
    assert (status, clash_ids(body)) == (409, ["medical-data-panel"]), body
    assert post(kind="add", new_session=new, allow_clash=True)[0] == 201


def test_undoing_a_move_back_into_a_slot_since_taken_is_a_clash(app, post):
    status, moved = post(kind="move", session="medical-data-panel", room="kins-7f-meeting-room")
    assert status == 201
    assert post(kind="move", session="dentistry-industry", room="kins-7f-auditorium")[0] == 201
    status, body = post(kind="undo", seq=moved["seq"])
    assert status == 409 and clash_ids(body) == ["dentistry-industry"]
    assert post(kind="undo", seq=moved["seq"], allow_clash=True)[0] == 201


def test_allow_clash_must_be_a_boolean(post):
    status, body = post(
        kind="move", session="dentistry-industry", room="kins-7f-auditorium", allow_clash="yes"
    )
    assert status == 400 and "allow_clash" in body["message"]


def test_a_batch_with_a_clash_writes_nothing(app):
    with app.app_context():
        head = head_seq()
        with pytest.raises(ChangeError) as refused:
            apply_changes(
                [
                    {"kind": "move", "session": "medical-data-panel", "room": "kins-7f-meeting-room"},
                    {"kind": "move", "session": "dentistry-industry", "room": "kins-7f-meeting-room"},
                ],
                by="alice",
            )
        assert refused.value.error == "clash" and [c["session"] for c in refused.value.clashes] == [
            "medical-data-panel"
        ]
        assert head_seq() == head
        assert db.session.get(Session, "medical-data-panel").room_id == "kins-7f-auditorium"
