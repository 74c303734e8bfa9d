"""A way out of a full room: sessions elsewhere in the same slot, nearest walk first."""

from datetime import datetime

import pytest

from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.models import Room, Session
from webapp.program.alternatives import alternatives, for_room, view

AT = datetime.fromisoformat("2023-11-29T10:30:00+09:00")
FULL_ROOM = "kins-7f-auditorium"  # medical-data-platform runs there 10:00-12:00


@pytest.fixture
def full_room(app):
    with app.app_context():
        apply_change({"kind": "room_status", "room": FULL_ROOM, "status": "full"}, by="alice", now=AT)
    return FULL_ROOM


def test_alternatives_overlap_the_slot_and_come_nearest_first(app, full_room):
    with app.app_context():
        tz = app.extensions["event"].tz
        full = db.session.get(Session, "medical-data-platform")
        options = alternatives(full, AT, tz, limit=10)
        assert options, "the morning has other sessions in other rooms"
        for a in options:
            assert a.session.room_id != FULL_ROOM and a.session.venue_id is not None
            assert a.session.start_at < full.end_at and a.session.end_at > AT
        minutes = [a.walking_minutes for a in options]
        assert minutes == sorted(minutes)


def test_cancelled_sessions_and_other_full_rooms_are_not_offered(app, full_room):
    with app.app_context():
        tz = app.extensions["event"].tz
        full = db.session.get(Session, "medical-data-platform")
        first = alternatives(full, AT, tz, limit=10)[0].session
        apply_change({"kind": "cancel", "session": first.id}, by="alice", now=AT)
        assert first.id not in [a.session.id for a in alternatives(full, AT, tz, limit=10)]
        second = alternatives(full, AT, tz, limit=10)[0].session
        apply_change({"kind": "room_status", "room": second.room_id, "status": "full"}, by="alice", now=AT)
        assert second.id not in [a.session.id for a in alternatives(full, AT, tz, limit=10)]


def test_for_room_follows_the_rooms_current_session_and_views_say_the_walk(app, full_room):
    with app.app_context():
        tz = app.extensions["event"].tz
        rows = view(for_room(db.session.get(Room, FULL_ROOM), AT, tz), "en", tz)
        assert 0 < len(rows) <= 3
        assert all(r["url"].startswith("/sessions/") and "–" in r["time"] for r in rows)


def test_room_screen_lists_the_way_out_when_the_room_is_full(client, full_room):
    page = client.get(f"/rooms/{FULL_ROOM}?lang=en").get_data(as_text=True)
    section = page[page.index('class="alternatives"') :]
    assert 'data-alternatives-room="kins-7f-auditorium"' in section[:200]
    assert "hidden" not in section[: section.index(">")]
    assert "Room full? Also now" in section and "min walk" in section


def test_open_room_keeps_the_list_hidden_for_when_it_fills(client):
    page = client.get(f"/rooms/{FULL_ROOM}?lang=en").get_data(as_text=True)
    tag = page[page.index('class="alternatives"') :]
    assert " hidden" in tag[: tag.index(">")]


def test_session_page_in_a_full_room_says_where_else_to_go(client, full_room):
    page = client.get("/sessions/medical-data-platform?lang=ko").get_data(as_text=True)
    assert "만석이라면: 지금 진행 중인 다른 세션" in page and "도보" in page
