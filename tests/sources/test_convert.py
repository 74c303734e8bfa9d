"""Each real example schedule imports, loads, and is served by the app like the embedded event."""

import json

import pytest
from lxml import etree
from markupsafe import escape

from tests.sources.conftest import EXAMPLES, XSD
from webapp.program.eventdata import load_event
from webapp.sources.convert import import_schedule
from webapp.sources.model import ScheduleError

# example -> sessions, rooms matched, persons, event languages, a moment during the event
EXPECTED = {
    "pretalx-democon.json": (36, 2, 27, ["en"], "2020-12-14T10:00:00+01:00"),
    "frab-camp2019.json": (79, 2, 90, ["en", "de"], "2019-08-21T12:00:00+02:00"),
    "hub-schedule2.json": (2, 2, 4, ["en", "de"], "2024-12-27T10:45:00+01:00"),
}


def source_events(example: str) -> list[dict]:
    schedule = json.loads((EXAMPLES / example).read_text())["schedule"]
    if "events" in schedule:
        return schedule["events"]
    return [e for day in schedule["conference"]["days"] for events in day["rooms"].values() for e in events]


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_example_imports_every_session_and_loads(imported, example):
    sessions, rooms, persons, languages, _ = EXPECTED[example]
    out, summary = imported(example)
    assert (summary.sessions, len(summary.rooms), summary.persons_with_id) == (sessions, rooms, persons)
    assert summary.skipped == []
    event = load_event(out / "venues.geojson", out / "program.json")
    assert event.event.languages == languages
    assert len(event.program.sessions) == sessions
    # Ids are the source's guids, so they survive a re-import of a later release.
    assert {s.id for s in event.program.sessions} == {e["guid"] for e in source_events(example)}


def test_times_keep_their_offsets_and_the_event_zone(imported):
    out, _ = imported("frab-camp2019.json")
    program = json.loads((out / "program.json").read_text())
    assert program["event"]["timezone"] == "Europe/Berlin"
    opening = next(s for s in program["sessions"] if s["id"] == "a0a0fcfe-b7fb-46e3-84b6-97a5406016b4")
    assert (opening["start"], opening["end"]) == ("2019-08-21T11:00:00+02:00", "2019-08-21T11:30:00+02:00")
    assert [p["id"] for p in opening["speakers"]] == ["7797", "4827"]


def test_links_languages_and_recording_flags_survive(imported):
    out, summary = imported("hub-schedule2.json")
    program = json.loads((out / "program.json").read_text())
    opening = next(s for s in program["sessions"] if s["title"] == {"en": "38C3: Opening Ceremony"})
    assert {link["type"] for link in opening["links"]} == {None, "ORIGIN", "FEEDBACK", "SLIDES"}
    out, summary = imported("pretalx-democon.json")
    program = json.loads((out / "program.json").read_text())
    assert sum(s["do_not_record"] for s in program["sessions"]) == 2
    assert "2 sessions that must not be recorded (do_not_record kept)" in summary.notes


def test_rooms_without_sessions_are_reported_not_required(imported):
    _, summary = imported("hub-schedule2.json")
    assert (
        summary.notes[-1]
        == "3 rooms the source lists have no session, so were not placed: Saal GLITCH, Stage HUFF, Stage YELL"
    )


def test_a_german_session_is_titled_in_german_in_a_de_en_event(imported):
    out, _ = imported("frab-camp2019.json")
    event = load_event(out / "venues.geojson", out / "program.json")
    german = next(s for s in event.program.sessions if s.language == "de")
    assert list(german.title.translations) == ["de"]
    assert german.title.get("en") == german.title.get("de")


def test_an_unknown_room_stops_the_import_naming_the_line_to_add(tmp_path, write_venues):
    venues = write_venues("hub-schedule2.json", lambda v: v["features"][0]["properties"]["rooms"].pop(2))
    with pytest.raises(ScheduleError) as caught:
        import_schedule(str(EXAMPLES / "hub-schedule2.json"), venues, out_dir=tmp_path / "out")
    assert str(caught.value) == (
        "Room 'Saal ZIGZAG' of the schedule is not in venues.geojson: add its room there, or add the line "
        '"Saal ZIGZAG" = "VENUE-ID/ROOM-ID" to a rooms map and pass it with --rooms.'
    )
    assert not (tmp_path / "out").exists()


def test_a_rooms_map_places_rooms_by_guid(tmp_path, write_venues):
    venues = write_venues("hub-schedule2.json", lambda v: v["features"][0]["properties"]["rooms"].pop(2))
    rooms_map = tmp_path / "rooms.toml"
    rooms_map.write_text(
        '# ZIGZAG shares the stage of GLITCH this year\n"62251a07-13e4-5a72-bb3c-8528416ee0f2" = "cch/room-1"\n'
    )
    summary, _ = import_schedule(str(EXAMPLES / "hub-schedule2.json"), venues, rooms_map, tmp_path / "out")
    assert summary.rooms["Saal ZIGZAG"] == "cch/room-1 (by rooms map)"


def test_dry_run_writes_nothing(tmp_path, imported):
    out, summary = imported("pretalx-democon.json", dry_run=True)
    assert summary.sessions == 36
    assert not out.exists()


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_the_app_serves_the_imported_event(make_app, imported, example):
    *_, moment = EXPECTED[example]
    out, _ = imported(example)
    app = make_app(
        VENUES_FILE=str(out / "venues.geojson"), PROGRAM_FILE=str(out / "program.json"), EVENT_NOW=moment
    )
    client = app.test_client()
    event = app.extensions["event"]
    today = [
        s for s in event.program.sessions if s.start.astimezone(event.tz).date().isoformat() == moment[:10]
    ]
    for url in ("/?lang=en", "/schedule?lang=en", "/?lang=ko", "/schedule?lang=ko"):
        page = client.get(url)
        assert page.status_code == 200, url
    schedule_page = client.get("/schedule?lang=en").get_data(as_text=True)
    assert today
    assert [s.id for s in today if escape(s.title.get("en")) not in schedule_page] == []
    api = client.get("/api/sessions").get_json()
    assert {s["id"] for s in api["sessions"]} == {s.id for s in event.program.sessions}


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_the_imported_events_schedule_xml_validates(make_app, imported, example):
    out, _ = imported(example)
    app = make_app(VENUES_FILE=str(out / "venues.geojson"), PROGRAM_FILE=str(out / "program.json"))
    xml = app.test_client().get("/schedule.xml").data
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.fromstring(xml)), schema.error_log


def test_links_a_page_may_not_open_are_dropped_and_counted_not_the_import(imported, tmp_path):
    data = json.loads((EXAMPLES / "hub-schedule2.json").read_text())
    event = data["schedule"]["events"][0]
    event["links"] = [
        {"url": "javascript:alert(1)", "title": "script"},
        {"url": "https://user@example.org/", "title": "userinfo"},
        {"url": "https://example.org/a b", "title": "space"},
        {"url": "https://example.org/slides", "title": "kept"},
    ]
    event["url"] = "https://127.0.0.1\\@example.org/"
    source = tmp_path / "hub-schedule2.json"
    source.write_text(json.dumps(data))
    out, summary = imported("hub-schedule2.json", str(source))
    program = json.loads((out / "program.json").read_text())
    session = next(s for s in program["sessions"] if s["id"] == event["guid"])
    titles = [link["title"] for link in session["links"]]  # the event's attachments are links too
    assert "kept" in titles and not {"script", "userinfo", "space"} & set(titles)
    assert "url" not in session
    assert any("links that are not http(s) addresses a page may open (dropped)" in n for n in summary.notes)
