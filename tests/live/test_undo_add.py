"""Undoing an add: the added session is called off, on both databases."""

from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.models import Session

NEW = {
    "id": "pop-up", "title": {"ko": "긴급 상담", "en": "Pop-up"}, "track": "north-america", "speakers": [],
    "start": "2023-11-30T13:45:00+09:00", "end": "2023-11-30T15:00:00+09:00", "venue": "kins-tower",
    "room": "kins-7f-meeting-room", "mode": "in_person", "stream_url": None, "language": "ko", "provenance": "sourced",
}  # fmt: skip


def test_undoing_an_add_calls_the_added_session_off(app):
    with app.app_context():
        added = apply_change({"kind": "add", "new_session": NEW, "allow_clash": True}, by="bob")
        undone = apply_change({"kind": "undo", "seq": added.seq}, by="bob")
        assert undone.kind == "undo" and undone.after["status"] == "cancelled"
        assert db.session.get(Session, "pop-up").status == "cancelled"
