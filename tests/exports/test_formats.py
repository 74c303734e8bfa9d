"""Standard exports: iCalendar, c3voc schedule XML and JSON, sessions as GeoJSON, and their caching."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from icalendar import Calendar
from lxml import etree

from tests.conftest import ROOT
from webapp.exports.ical import sessions_to_ics
from webapp.live.changes import apply_change
from webapp.program.queries import get_session

SCHEMAS = ROOT / "tests" / "data" / "schemas"
SEOUL = ZoneInfo("Asia/Seoul")
EXPORTS = ["/schedule.ics", "/schedule.xml", "/schedule.json", "/api/sessions.geojson"]
SESSION_COUNT = 50
ONLINE_ONLY = "kosmi-online-terminology"


@pytest.fixture
def change(app, monkeypatch):
    """Return a callable applying one staff change as 't' (publishing nothing)."""
    monkeypatch.setattr("webapp.live.changes.socketio.emit", lambda *args, **kwargs: None)

    def _apply(**data):
        with app.app_context():
            return apply_change(data, by="t").to_dict()

    return _apply


@pytest.fixture
def schemas():
    """Return the folder of the c3voc schemas kept in tests/data (EUPL 1.2, see its README)."""
    return SCHEMAS


def calendar(client, url="/schedule.ics"):
    response = client.get(url)
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def vevents(client, url="/schedule.ics"):
    return {str(e["UID"]).split("@")[0]: e for e in calendar(client, url).walk("VEVENT")}


def xml_events(client, url="/schedule.xml?lang=en"):
    """Return {session id: (room name, event element)} from the schedule XML."""
    root = etree.fromstring(client.get(url).data)
    return {
        e.findtext("url").rsplit("/", 1)[1]: (room.get("name"), e)
        for room in root.iter("room")
        for e in room.iter("event")
    }


def json_events(client, url="/schedule.json?lang=en"):
    """Return {session id: event} from the schedule JSON."""
    days = client.get(url).get_json()["schedule"]["conference"]["days"]
    return {e["url"].rsplit("/", 1)[1]: e for day in days for events in day["rooms"].values() for e in events}


# --- iCalendar ------------------------------------------------------------------------------


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


# --- c3voc schedule XML and JSON ------------------------------------------------------------


def test_schedule_xml_validates_against_the_c3voc_xsd(client, change, schemas):
    change(kind="cancel", session="medical-data-panel")
    change(kind="move", session="dentistry-industry", room="kins-7f-meeting-room")
    xsd = etree.XMLSchema(etree.parse(str(schemas / "c3voc-schedule.xml.xsd")))
    for lang in ("ko", "en"):
        response = client.get(f"/schedule.xml?lang={lang}")
        assert response.mimetype == "application/vnd.c3voc.schedule+xml"
        doc = etree.fromstring(response.data)
        assert xsd.validate(doc), "\n".join(str(e) for e in xsd.error_log)


def test_schedule_json_validates_against_the_c3voc_json_schema(client, change, schemas):
    change(kind="cancel", session="medical-data-panel")
    change(kind="move", session="dentistry-industry", room="kins-7f-meeting-room")
    schema = json.loads((schemas / "c3voc-schedule.schema.json").read_text())
    assert "draft-06" in schema["$schema"]
    validator = jsonschema.Draft6Validator(schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
    for lang in ("ko", "en"):
        body = client.get(f"/schedule.json?lang={lang}").get_json()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == []


def test_schedule_has_one_event_per_session_in_its_room_on_its_day(client):
    xml, data = xml_events(client), json_events(client)
    assert len(xml) == len(data) == SESSION_COUNT
    room, event = xml["opening-ceremony"]
    assert room == event.findtext("room") == "Gravity Pangyo Space Ballroom"
    assert event.findtext("date") == "2023-11-29T16:00:00+09:00"
    assert (event.findtext("start"), event.findtext("duration")) == ("16:00", "01:00")
    assert event.findtext("title") == "Opening ceremony and MR hologram performance"
    assert event.findtext("subtitle") == "개막식 및 MR 홀로그램 퍼포먼스"
    assert event.findtext("track") == "Opening ceremony" and event.findtext("type") == "talk"
    assert event.getparent().getparent().get("date") == "2023-11-29"
    keynote = data["keynote-park-hyun-young"]
    assert [p["name"] for p in keynote["persons"]] == ["Park Hyun-Young"]
    assert keynote["links"][0]["url"].startswith("https://stream.example.com/")
    assert keynote["url"] == "http://localhost/sessions/keynote-park-hyun-young"
    # Online-only sessions sit in the virtual room "Online".
    assert xml[ONLINE_ONLY][0] == data[ONLINE_ONLY]["room"] == "Online"


def test_schedule_guids_and_ids_are_stable_across_restarts(make_app):
    first, second = make_app().test_client(), make_app().test_client()
    guids = [
        {sid: (e.get("guid"), e.get("id")) for sid, (_room, e) in xml_events(c).items()}
        for c in (first, second)
    ]
    assert guids[0] == guids[1]
    assert (
        len({g for g, _id in guids[0].values()}) == len({i for _g, i in guids[0].values()}) == SESSION_COUNT
    )
    rooms = [
        {r.get("name"): r.get("guid") for r in etree.fromstring(c.get("/schedule.xml").data).iter("room")}
        for c in (first, second)
    ]
    assert rooms[0] == rooms[1]
    assert json_events(first)[ONLINE_ONLY]["guid"] == guids[0][ONLINE_ONLY][0]
    # The calendar too: same UIDs, and byte for byte the same file with the same ETag.
    one, two = first.get("/schedule.ics"), second.get("/schedule.ics")
    assert one.data == two.data and one.headers["ETag"] == two.headers["ETag"]


def test_cancelled_session_stays_in_the_schedule_marked_cancelled(client, change):
    change(kind="cancel", session="medical-data-panel")
    _room, event = xml_events(client)["medical-data-panel"]
    assert event.findtext("type") == "cancelled"
    assert event.findtext("title").startswith("Cancelled: ")
    assert json_events(client)["medical-data-panel"]["type"] == "cancelled"


def test_moved_session_appears_in_its_new_room_everywhere(client, change):
    change(kind="move", session="dentistry-industry", room="kins-7f-meeting-room")
    event = vevents(client, "/schedule.ics?lang=en")["dentistry-industry"]
    assert "KINS Tower" in event["LOCATION"] and "7F Meeting Room" in event["LOCATION"]
    assert "dentistry-industry" in vevents(client, "/schedule.ics?room=kins-7f-meeting-room")
    assert "dentistry-industry" not in vevents(client, "/schedule.ics?room=training-center-lecture-room")
    room, xml_event = xml_events(client)["dentistry-industry"]
    assert room == xml_event.findtext("room") == "KINS Tower 7F Meeting Room"
    assert json_events(client)["dentistry-industry"]["room"] == "KINS Tower 7F Meeting Room"
    features = client.get("/api/sessions.geojson?room=kins-7f-meeting-room").get_json()["features"]
    assert "dentistry-industry" in {f["id"] for f in features}


def test_schedule_version_changes_with_every_staff_change(client, change):
    def versions():
        xml = etree.fromstring(client.get("/schedule.xml").data).findtext("version")
        return xml, client.get("/schedule.json").get_json()["schedule"]["version"]

    before = versions()
    assert before[0] == before[1]
    change(kind="room_status", room="hip-future-hall", status="full")
    after = versions()
    assert after[0] == after[1] != before[0]


# --- GeoJSON --------------------------------------------------------------------------------


def test_sessions_geojson_puts_sessions_at_their_venue(client):
    response = client.get("/api/sessions.geojson")
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == SESSION_COUNT
    features = {f["id"]: f for f in body["features"]}
    clinic = features["north-america-clinic"]
    assert clinic["geometry"] == {"type": "Point", "coordinates": [127.1067124, 37.365979]}
    assert clinic["properties"]["room"] == "kins-7f-meeting-room"
    assert clinic["properties"]["start"] == "2023-11-30T15:00:00+09:00"
    assert features[ONLINE_ONLY]["geometry"] is None


def test_sessions_geojson_filters_like_the_sessions_api(client):
    body = client.get("/api/sessions.geojson?day=2023-11-30&venue=kins-tower").get_json()
    assert body["features"]
    assert {f["properties"]["venue"] for f in body["features"]} == {"kins-tower"}
    assert all(f["properties"]["start"].startswith("2023-11-30") for f in body["features"])
    keynotes = client.get("/api/sessions.geojson?track=keynote").get_json()["features"]
    assert {f["id"] for f in keynotes} == {"keynote-park-hyun-young", "keynote-ohno-machado"}


@pytest.mark.parametrize("query", ["day=tomorrow", "venue=moon", "track=nope"])
def test_sessions_geojson_bad_filter_is_400_json(client, query):
    response = client.get(f"/api/sessions.geojson?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == "bad_filter"


# --- caching --------------------------------------------------------------------------------


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
