"""Importing the data files is idempotent and keeps what staff set."""

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Room, Session, Venue
from webapp.program.importer import import_event, imported_version


def test_import_loads_every_venue_room_and_session(app):
    event = app.extensions["event"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == len(event.rooms_by_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == len(
            event.program.sessions
        )
        assert imported_version() == event.version


def test_import_twice_changes_nothing(app):
    with app.app_context():
        result = import_event(app.extensions["event"])
    assert (result.added, result.changed, result.removed) == (0, 0, 0)


def test_times_come_back_time_zone_aware(app):
    with app.app_context():
        opening = db.session.get(Session, "opening-ceremony")
        assert opening.start_at.isoformat() == "2023-11-29T07:00:00+00:00"


def test_reimport_keeps_staff_set_status(app):
    with app.app_context():
        db.session.get(Room, "kins-7f-auditorium").status = "full"
        db.session.get(Session, "ivd-panel").status = "cancelled"
        db.session.commit()
        import_event(app.extensions["event"])
        db.session.expire_all()
        assert db.session.get(Room, "kins-7f-auditorium").status == "full"
        assert db.session.get(Session, "ivd-panel").status == "cancelled"
