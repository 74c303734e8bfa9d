"""The iCalendar export: one VEVENT per session in the event's time zone, for the event, a venue or a room."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.exports.conftest import ONLINE_ONLY, SESSION_COUNT, calendar, vevents
from webapp.exports.ical import sessions_to_ics
from webapp.program.queries import get_session

SEOUL = ZoneInfo("Asia/Seoul")


def test_ics_is_a_calendar_with_one_event_per_session_in_seoul_time(client):
    response = client.get("/schedule.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="sbic-2023.ics"'
    cal = Calendar.from_ical(response.data)
    assert cal["VERSION"] == "2.0" and "Venue Live" in cal["PRODID"]
    assert "SBIC 2023" in cal["X-WR-CALNAME"]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]
    events = cal.walk("VEVENT")
    assert len(events) == SESSION_COUNT == len({str(e["UID"]) for e in events})
    opening = next(e for e in events if e["UID"] == "opening-ceremony@sbic-2023.venue-live")
    start, end = opening.decoded("DTSTART"), opening.decoded("DTEND")
    assert start == datetime(2023, 11, 29, 16, 0, tzinfo=SEOUL) and str(start.tzinfo) == "Asia/Seoul"
    assert end == datetime(2023, 11, 29, 17, 0, tzinfo=SEOUL)
    assert opening["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert "개막식" in opening["SUMMARY"] and "Opening ceremony" in opening["SUMMARY"]
    assert opening["STATUS"] == "CONFIRMED" and opening["SEQUENCE"] == 0
    assert opening["URL"] == "http://localhost/sessions/opening-ceremony"
    assert opening.decoded("DTSTAMP").tzinfo is not None and "LAST-MODIFIED" in opening


def test_ics_location_names_venue_room_and_address_with_geo(client):
    event = vevents(client, "/schedule.ics?lang=en")["north-america-clinic"]
    location = str(event["LOCATION"])
    assert "KINS Tower" in location and "7F Meeting Room" in location
    assert "8 Seongnam-daero 331beon-gil" in location
    geo = event["GEO"]
    assert (geo.latitude, geo.longitude) == (37.365979, 127.1067124)
    korean = vevents(client, "/schedule.ics?lang=ko")["north-america-clinic"]
    assert "킨스타워" in korean["LOCATION"] and "7층 회의실" in korean["LOCATION"]
    assert "성남대로331번길 8" in korean["LOCATION"] and "KINS" not in korean["SUMMARY"]


def test_ics_online_session_is_located_online_with_its_stream(client):
    event = vevents(client, "/schedule.ics?lang=en")[ONLINE_ONLY]
    assert event["LOCATION"] == "Online: https://stream.example.com/sbic2023/kosmi-online-terminology"
    assert "GEO" not in event
    assert "Online only" in event["DESCRIPTION"]


def test_ics_cancelled_session_is_cancelled_with_a_new_sequence(client, change):
    change(kind="cancel", session="medical-data-panel", reason="Speaker ill")
    event = vevents(client, "/schedule.ics?lang=en")["medical-data-panel"]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert event["SUMMARY"].startswith("Cancelled: ")
    assert "Speaker ill" in event["DESCRIPTION"]
    assert event.decoded("LAST-MODIFIED") > datetime(2025, 1, 1, tzinfo=UTC)


def test_ics_venue_and_room_variants_hold_only_their_sessions(client):
    venue = vevents(client, "/schedule.ics?venue=kins-tower&lang=en")
    assert venue and all("KINS Tower" in e["LOCATION"] for e in venue.values())
    assert "opening-ceremony" not in venue and ONLINE_ONLY not in venue
    room = vevents(client, "/schedule.ics?room=hip-seminar-room-b&lang=en")
    assert set(room) == {
        "kosmi-nursing-informatics",
        "kosmi-digital-therapeutics",
        "kosmi-young-investigators",
    }
    assert all("Seminar Room B" in e["LOCATION"] for e in room.values())
    cal = calendar(client, "/schedule.ics?room=hip-seminar-room-b&lang=en")
    assert "Seminar Room B" in cal["X-WR-CALNAME"]


def test_sessions_to_ics_builds_a_calendar_of_any_chosen_sessions(app):
    event = app.extensions["event"]
    with app.app_context():
        chosen = [get_session("keynote-ohno-machado"), get_session(ONLINE_ONLY)]
        body = sessions_to_ics(chosen, event, "https://venue.example/", "My agenda", "en")
        empty = Calendar.from_ical(sessions_to_ics([], event, "https://venue.example/", "Nothing", "en"))
    cal = Calendar.from_ical(body)
    assert cal["X-WR-CALNAME"] == "My agenda"
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [
        "keynote-ohno-machado@sbic-2023.venue-live",
        f"{ONLINE_ONLY}@sbic-2023.venue-live",
    ]
    assert cal.walk("VEVENT")[0]["URL"] == "https://venue.example/sessions/keynote-ohno-machado"
    assert empty.walk("VEVENT") == [] and [str(tz["TZID"]) for tz in empty.walk("VTIMEZONE")] == [
        "Asia/Seoul"
    ]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/schedule.ics?venue=moon", "no venue 'moon'"),
        ("/schedule.ics?room=cellar", "no room 'cellar'"),
    ],
)
def test_ics_unknown_venue_or_room_is_404_json(client, url, words):
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == "not_found"
    assert words in body["message"]
