"""The frab / c3voc schedule XML and JSON: valid against the c3voc schemas, stable ids, staff changes shown."""

import json

import jsonschema
from lxml import etree

from tests.exports.conftest import ONLINE_ONLY, SESSION_COUNT, json_events, vevents, xml_events


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
