"""The export routes: conditional answers, freshness after staff changes, and a visitor's /agenda.ics."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

SEOUL = ZoneInfo("Asia/Seoul")
EXPORTS = ["/schedule.ics", "/schedule.xml", "/schedule.json", "/api/sessions.geojson"]


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_answer_304_to_a_matching_etag_or_date(client, url):
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    dated = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert dated.status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_are_fresh_after_a_staff_change(client, change, url):
    first = client.get(url)
    assert first.headers["Last-Modified"] == "Tue, 28 Nov 2023 15:00:00 GMT"  # the first day, 00:00 Seoul
    made = change(kind="retime", session="opening-ceremony", delay_minutes=15)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    changed_at = datetime.fromisoformat(made["at"]).replace(microsecond=0)
    assert again.last_modified == changed_at
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 200


def test_etag_differs_by_query(client):
    etags = {
        client.get(url).headers["ETag"]
        for url in ("/schedule.ics", "/schedule.ics?lang=en", "/schedule.ics?venue=kins-tower")
    }
    assert len(etags) == 3


def test_agenda_ics_has_the_starred_sessions_with_times_and_places(client):
    response = client.get("/agenda.ics?lang=en&ids=kosmi-generative-ai,medical-data-hospitals,nope")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 2
    starts = sorted(e.decoded("dtstart").astimezone(SEOUL).strftime("%H:%M") for e in events.values())
    assert starts == ["13:00", "15:00"]
    places = " ".join(str(e["location"]) for e in events.values())
    assert "KINS Tower" in places and "Healthcare Innovation Park" in places


def test_agenda_ics_refuses_bad_or_unknown_ids(client):
    assert client.get("/agenda.ics?ids=<x>").status_code == 400
    assert client.get("/agenda.ics?ids=nope").status_code == 404


@pytest.mark.parametrize(
    ("url", "builder"), [("/schedule.xml", "build_schedule"), ("/schedule.ics", "sessions_to_ics")]
)
def test_an_export_is_built_once_until_the_program_changes(client, change, monkeypatch, url, builder):
    from webapp.exports import views

    builds, real = [], getattr(views, builder)
    monkeypatch.setattr(views, builder, lambda *a, **k: builds.append(1) or real(*a, **k))
    first, second = client.get(url), client.get(url)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"] and len(builds) == 1
    assert client.get(url, headers={"Host": "other.example"}).status_code == 200 and len(builds) == 2
    change(kind="room_status", room="hip-future-hall", status="full")
    assert client.get(url).headers["ETag"] != first.headers["ETag"] and len(builds) == 3
