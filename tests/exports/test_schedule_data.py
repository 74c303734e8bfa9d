"""What every export says about a session, in one language or all of them, with the catalogue's words."""

from webapp.exports.schedule_data import ScheduleData
from webapp.live.changes import apply_change
from webapp.program.queries import get_session


def test_export_words_come_from_the_catalogue_in_the_language_asked(app):
    event = app.extensions["event"]
    with app.app_context():
        s = get_session("medical-data-platform")
        korean = ScheduleData(event, "https://x.org/", "ko").facts(s)
        english = ScheduleData(event, "https://x.org/", "en").facts(s)
        both = ScheduleData(event, "https://x.org/", None).facts(s)
    assert any(line.startswith("진행 방식: ") for line in korean)
    assert any(line.startswith("Format: ") for line in english)
    assert any(line.startswith("진행 방식 / Format: ") for line in both)


def test_a_cancelled_title_is_marked_in_every_language(app, monkeypatch):
    monkeypatch.setattr("webapp.live.changes.socketio.emit", lambda *args, **kwargs: None)
    event = app.extensions["event"]
    with app.app_context():
        apply_change({"kind": "cancel", "session": "medical-data-platform", "reason": "Speaker ill"}, by="t")
        s = get_session("medical-data-platform")
        title = ScheduleData(event, "https://x.org/", None).title(s)
        facts = ScheduleData(event, "https://x.org/", "en").facts(s)
    assert title.startswith("취소됨 / Cancelled: ")
    assert s.title("ko") in title and s.title("en") in title
    assert "Cancelled: Speaker ill" in facts


def test_location_names_venue_room_and_the_address_in_the_first_language(app):
    event = app.extensions["event"]
    with app.app_context():
        where = ScheduleData(event, "https://x.org/", None).location(get_session("medical-data-platform"))
    assert where == (
        "킨스타워 (성남산업진흥원 본원) / KINS Tower (SNIP head office), 7층 대강당 / 7F Auditorium, "
        "경기도 성남시 분당구 성남대로331번길 8 (정자동)"
    )
