"""The migrations create exactly the schema the models describe, and move the data they hold."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from webapp import create_app
from webapp.extensions import db
from webapp.models import Announcement, Room, Session, Venue
from webapp.push.models import PushNotice


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        assert compare_metadata(context, db.metadata) == []


OLD_ROWS = (
    "INSERT INTO venues (id, sort_order, name_ko, name_en, lon, lat, position, accuracy_m, properties) "
    "VALUES ('pangyo', 0, '판교', 'Pangyo', 127.1, 37.4, 'exact', 10, '{}')",
    "INSERT INTO rooms (id, venue_id, sort_order, name_ko, name_en, floor, provenance, status) "
    "VALUES ('hall', 'pangyo', 0, '대강당', 'Main hall', '1F', 'published', 'open')",
    "INSERT INTO sessions (id, title_ko, title_en, track_id, start_at, end_at, venue_id, room_id, mode, "
    "language, provenance, status, stream_status, version, details) VALUES ('keynote', '기조연설', 'Keynote', "
    "'main', '2023-11-29 01:00:00+00:00', '2023-11-29 02:00:00+00:00', 'pangyo', 'hall', 'onsite', 'ko', "
    "'published', 'scheduled', 'scheduled', 1, '{}')",
    "INSERT INTO announcements (id, text_ko, text_en, venue_id, expires_at, retracted) "
    "VALUES (7, '점심', 'Lunch', NULL, '2023-11-29 05:00:00+00:00', false)",
)


def test_the_texts_move_into_one_column_each_and_back(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="0006")
        for statement in OLD_ROWS:
            db.session.execute(sa.text(statement))
        db.session.commit()
        upgrade()
        # Foreign keys hold again after a migration that turned them off on SQLite to copy tables.
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE rooms SET venue_id = 'nowhere'"))
        db.session.rollback()
        assert db.session.get(Venue, "pangyo").names == {"ko": "판교", "en": "Pangyo"}
        assert db.session.get(Room, "hall").names == {"ko": "대강당", "en": "Main hall"}
        assert db.session.get(Session, "keynote").titles == {"ko": "기조연설", "en": "Keynote"}
        assert db.session.get(Announcement, 7).texts == {"ko": "점심", "en": "Lunch"}
        # A congress in German and English: going back keeps English and reads Korean by the old rule.
        db.session.get(Session, "keynote").titles = {"de": "Eröffnung", "en": "Opening"}
        db.session.get(Room, "hall").names = {"de": "Großer Saal"}
        db.session.commit()
        db.session.remove()
        downgrade(revision="0006")
        rows = {
            table: db.session.execute(sa.text(f"SELECT {field}_ko, {field}_en FROM {table}")).one()
            for table, field in (
                ("venues", "name"),
                ("rooms", "name"),
                ("sessions", "title"),
                ("announcements", "text"),
            )
        }
        assert rows == {
            "venues": ("판교", "Pangyo"),
            "rooms": ("Großer Saal", "Großer Saal"),
            "sessions": ("Opening", "Opening"),
            "announcements": ("점심", "Lunch"),
        }
        db.session.remove()
        db.engine.dispose()


OLD_NOTICES = (
    "INSERT INTO push_notices (id, session_id, state, first_seq, last_seq, baseline, due_at, text_en, sent, "
    "failed, removed, skipped) VALUES ({id}, 'keynote', 'sent', 1, 1, '{{}}', '2023-11-29 01:00:00+00:00', "
    "{text}, 1, 0, 0, 0)"
)


def test_a_push_notices_text_moves_into_one_column_and_back(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="0007")
        for ident, text in ((1, "'Keynote moved to Hall B'"), (2, "NULL")):
            db.session.execute(sa.text(OLD_NOTICES.format(id=ident, text=text)))
        db.session.commit()
        upgrade()
        assert db.session.get(PushNotice, 1).texts == {"en": "Keynote moved to Hall B"}
        assert db.session.get(PushNotice, 2).texts is None
        # A notice written in Korean only: going back keeps its words in the one column there was.
        db.session.get(PushNotice, 1).texts = {"ko": "기조연설이 B홀로 옮겼습니다"}
        db.session.commit()
        db.session.remove()
        downgrade(revision="0007")
        rows = db.session.execute(sa.text("SELECT id, text_en FROM push_notices ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "기조연설이 B홀로 옮겼습니다"), (2, None)]
        db.session.remove()
        db.engine.dispose()
