"""Real exports deviate from the published schemas; they import anyway, and the summary lists every deviation.

The files are the real examples in tests/data, altered the way real exports deviate (the 38C3 frab XML:
slugs shorter than the XSD's pattern, `<do_not_stream>`, `<answers>`; pretalx JSON without a time zone),
and hypothesis-made deviations on top of them.
"""

import copy
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.sources.conftest import EXAMPLES, XSD, frab_xml, venues_for
from webapp.datafiles import VenueCollection
from webapp.program.eventdata import load_event
from webapp.sources.convert import build_program, import_schedule, used_rooms
from webapp.sources.deviations import json_validator
from webapp.sources.fetch import read_schedule
from webapp.sources.model import ScheduleError
from webapp.sources.rooms import place_rooms

CAMP = json.loads((EXAMPLES / "frab-camp2019.json").read_text())
DEMOCON = json.loads((EXAMPLES / "pretalx-democon.json").read_text())
HUB = json.loads((EXAMPLES / "hub-schedule2.json").read_text())


def nested_events(data: dict) -> list[dict]:
    return [
        e
        for day in data["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for e in events
    ]


def deviate_xml(raw: bytes) -> bytes:
    """Return a frab XML with the 38C3 file's deviations: 3 slugs too short, 3 <do_not_stream>, 1 <answers>."""
    root = etree.fromstring(raw)
    events = root.findall(".//event")
    for event, short in zip(events[:3], ("38c3-ada", "38c3-bob", "38c3-eve"), strict=True):
        event.find("slug").text = short
    for event in events[10:13]:
        etree.SubElement(event, "do_not_stream").text = "true"
    answers = etree.SubElement(events[20], "answers")
    etree.SubElement(answers, "answer", question="Would you like a translation?").text = "Yes"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def deviate_json(data: dict) -> dict:
    """Return a c3voc JSON document with the same deviations as its nested or flat events allow."""
    data = copy.deepcopy(data)
    events = data["schedule"].get("events") or nested_events(data)
    for event, bad in zip(events, ("38c3-ada-", "38C3-bob", "38c3 eve"), strict=False):
        event["slug"] = bad
    for event in events[-2:]:
        event["do_not_stream"] = True
    events[0]["answers"] = [{"question": "Translation?", "answer": "Yes"}]
    return data


def import_file(tmp_path, example: str, raw: bytes, suffix: str, **options):
    source = tmp_path / f"source.{suffix}"
    source.write_bytes(raw)
    venues = tmp_path / "venues.geojson"
    venues.write_text(json.dumps(venues_for(example)))
    return import_schedule(str(source), venues, out_dir=tmp_path / "out", **options)


def test_the_frab_xml_with_the_38c3_deviations_imports_every_session_and_lists_them(tmp_path):
    raw = deviate_xml(frab_xml(CAMP))
    summary, _ = import_file(tmp_path, "frab-camp2019.json", raw, "xml")
    assert summary.sessions == 79
    assert summary.skipped == []
    lines = {re.sub(r" \(.*", "", w.strip()): w for w in summary.warnings}
    # The real file's own deviations (frab writes capitals into slugs and the acronym, relative logo paths)
    # and the three kinds added, each counted once with its lines.
    assert set(lines) == {
        "The source departs from the c3voc schedule XSD in 112 places; it was imported anyway",
        "79 × <slug>: the value is not accepted by the pattern '[a-z0-9_]{4,}-[a-z0-9\\-_]{4,}'",
        "28 × <logo>: the value is not accepted by the pattern 'https?://.*|\\s*'",
        "3 × <do_not_stream>: This element is not expected",
        "1 × <answers>: This element is not expected",
        "1 × <acronym>: the value is not accepted by the pattern '[a-z0-9_-]{4,}'",
    }
    text = raw.decode()
    line_numbers = [str(text.count("\n", 0, m.start()) + 1) for m in re.finditer("<do_not_stream>", text)]
    assert lines["3 × <do_not_stream>: This element is not expected"].endswith(
        f"(lines {', '.join(line_numbers)})"
    )
    event = load_event(tmp_path / "out" / "venues.geojson", tmp_path / "out" / "program.json")
    assert len(event.program.sessions) == 79


def test_strict_refuses_the_same_file_naming_every_kind(tmp_path):
    with pytest.raises(ScheduleError) as caught:
        import_file(tmp_path, "frab-camp2019.json", deviate_xml(frab_xml(CAMP)), "xml", strict=True)
    message = str(caught.value)
    assert message.startswith("The source deviates from the c3voc schedule XSD in 112 places (79 × <slug>")
    assert "3 × <do_not_stream>" in message and "1 × <answers>" in message
    assert message.endswith("without --strict it imports with these listed as warnings.")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("example", "data", "sessions", "expected"),
    [
        # frab writes capitals into its slugs and acronym; the nested schema knows do_not_stream.
        ("frab-camp2019.json", CAMP, 79, {"slug": 79, "answers": 1, "acronym": 1}),
        ("hub-schedule2.json", HUB, 2, {"do_not_stream": 2, "answers": 1}),  # schema2 has no slug pattern
        ("pretalx-democon.json", DEMOCON, 36, {"slug": 3, "answers": 1}),
    ],
)
def test_each_json_example_with_the_same_deviations_imports_and_lists_them(
    tmp_path, example, data, sessions, expected
):
    summary, _ = import_file(tmp_path, example, json.dumps(deviate_json(data)).encode(), "json")
    assert (summary.sessions, summary.skipped) == (sessions, [])
    header = next(w for w in summary.warnings if w.startswith("The source departs"))
    assert header.startswith(
        f"The source departs from the c3voc JSON schema{' (schema2)' if 'hub' in example else ''} in {sum(expected.values())} places"
    )
    groups = {g.strip().split(":")[0]: g.strip() for g in summary.warnings if g.startswith("    ")}
    assert set(groups) == {f"{count} × {field}" for field, count in expected.items()}
    assert groups["1 × answers"].startswith("1 × answers: is not a field the schema knows (schedule.")


def test_a_pretalx_file_without_a_time_zone_takes_the_zone_its_offsets_agree_on_and_says_so(tmp_path):
    data = copy.deepcopy(DEMOCON)
    del data["schedule"]["conference"]["time_zone_name"]
    summary, _ = import_file(tmp_path, "pretalx-democon.json", json.dumps(data).encode(), "json")
    assert summary.warnings[0] == (
        "Time zone: the source names none; all its 72 times are at UTC+01:00, so the event's zone is taken "
        "to be Etc/GMT-1 (a fixed UTC+01:00, no daylight saving time). If the event is somewhere with a "
        "named zone, import again with --timezone (such as --timezone Europe/Berlin)."
    )
    program = json.loads((tmp_path / "out" / "program.json").read_text())
    assert program["event"]["timezone"] == "Etc/GMT-1"
    # An 11:00 CET talk stays 11:00, never 10:00 UTC.
    event = load_event(tmp_path / "out" / "venues.geojson", tmp_path / "out" / "program.json")
    assert {s.start.astimezone(event.tz).strftime("%H:%M") for s in event.program.sessions} == {
        s.start.strftime("%H:%M") for s in event.program.sessions
    }


def test_a_source_without_a_time_zone_whose_offsets_differ_stops_naming_timezone(tmp_path):
    data = copy.deepcopy(DEMOCON)
    del data["schedule"]["conference"]["time_zone_name"]
    nested_events(data)[-1]["date"] = nested_events(data)[-1]["date"].replace("+01:00", "+02:00")
    raw = json.dumps(data).encode()
    with pytest.raises(ScheduleError) as caught:
        import_file(tmp_path, "pretalx-democon.json", raw, "json")
    assert str(caught.value) == (
        "The source names no time zone and its times' UTC offsets differ (UTC+01:00, UTC+02:00); pass "
        "--timezone with the event's time zone, an IANA name such as Europe/Berlin."
    )
    summary, _ = import_file(tmp_path, "pretalx-democon.json", raw, "json", timezone="Europe/Berlin")
    assert json.loads((tmp_path / "out" / "program.json").read_text())["event"]["timezone"] == "Europe/Berlin"
    assert not any(w.startswith("Time zone") for w in summary.warnings)


def test_timezone_must_be_an_iana_name(tmp_path):
    with pytest.raises(
        ScheduleError, match=r"^--timezone: 'CET\+1' is not an IANA time zone name such as Europe/Berlin\.$"
    ):
        import_file(tmp_path, "pretalx-democon.json", json.dumps(DEMOCON).encode(), "json", timezone="CET+1")


def test_times_without_an_offset_and_no_zone_stop_naming_timezone(tmp_path):
    data = copy.deepcopy(DEMOCON)
    del data["schedule"]["conference"]["time_zone_name"]
    for event in nested_events(data):
        event["date"] = event["date"][:19]
    raw = json.dumps(data).encode()
    with pytest.raises(
        ScheduleError,
        match=r"^The source gives times without a UTC offset \(such as '2020-12-1.*'\) and no time zone; pass --timezone",
    ):
        import_file(tmp_path, "pretalx-democon.json", raw, "json")
    import_file(tmp_path, "pretalx-democon.json", raw, "json", timezone="Europe/Berlin")
    program = json.loads((tmp_path / "out" / "program.json").read_text())
    assert program["sessions"][0]["start"].endswith("+01:00")


def test_a_calendar_of_floating_times_without_a_zone_stops_naming_timezone(tmp_path):
    raw = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@x\r\nSUMMARY:Talk\r\nLOCATION:Gray Room\r\n"
        b"DTSTART:20201214T090000\r\nDTEND:20201214T093000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(
        ScheduleError,
        match=r"^The calendar names no time zone and gives floating times \(such as 2020-12-14T09:00:00\); pass --timezone",
    ):
        import_file(tmp_path, "pretalx-democon.json", raw, "ics")
    import_file(tmp_path, "pretalx-democon.json", raw, "ics", timezone="Europe/Berlin")
    program = json.loads((tmp_path / "out" / "program.json").read_text())
    assert program["sessions"][0]["start"] == "2020-12-14T09:00:00+01:00"


def test_control_characters_are_dropped_with_a_warning(tmp_path):
    data = copy.deepcopy(DEMOCON)
    events = nested_events(data)
    events[0]["title"] = "Opening\x00 talk\x1b[31m"
    events[1]["abstract"] = "line one\r\nline two\x7f"
    events[2]["title"] = "\x00\x01"  # nothing left: it has no title
    events[3]["persons"][0]["public_name"] = "Ada\u0085"
    summary, _ = import_file(tmp_path, "pretalx-democon.json", json.dumps(data).encode(), "json")
    assert (
        "4 texts held control characters (such as NUL), which no page can show; they were removed."
        in summary.warnings
    )
    assert summary.sessions == 35
    assert summary.skipped[0].endswith("it has no title")
    program = json.loads((tmp_path / "out" / "program.json").read_text())
    by_guid = {s["guid"]: s for s in program["sessions"]}
    assert by_guid[events[0]["guid"]]["title"] == {"en": "Opening talk[31m"}
    assert by_guid[events[1]["guid"]]["abstract"] == {"en": "line one\nline two"}
    assert by_guid[events[3]["guid"]]["speakers"][0]["name"] == {"en": "Ada"}


# --- hypothesis: deviations a schedule app shrugs off ------------------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
# Fields a reader does not need to place a session (it needs title, date, duration, room, guid).
OPTIONAL = ["slug", "subtitle", "abstract", "description", "logo", "url", "type", "track", "language",
            "persons", "links", "attachments", "recording_license", "do_not_record", "start", "answers"]  # fmt: skip
EDIT = st.one_of(
    st.tuples(st.just("add"), st.text(min_size=1, max_size=12), JSON_VALUE),
    st.tuples(st.just("drop"), st.sampled_from(OPTIONAL), st.none()),
    st.tuples(st.just("set"), st.sampled_from(OPTIONAL), JSON_VALUE),
)
EDITS = st.lists(st.tuples(st.integers(0, 35), EDIT), max_size=6)


def edited(data: dict, edits) -> dict:
    data = copy.deepcopy(data)
    events = nested_events(data)
    for index, (action, key, value) in edits:
        target = events[index]
        if key in ("title", "date", "duration", "room", "guid"):
            continue
        if action == "drop":
            target.pop(key, None)
        else:
            target[key] = value
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS)
def test_any_deviation_in_fields_the_import_does_not_need_imports_every_session(edits):
    data = edited(DEMOCON, edits)
    venues = VenueCollection.model_validate(venues_for("pretalx-democon.json")).features
    schedule = read_schedule(json.dumps(data).encode(), "generated.json")
    placements = place_rooms(used_rooms(schedule), venues, "venues.geojson", {})
    _, summary = build_program(schedule, placements, "generated.json")
    assert summary.sessions == 36 and summary.skipped == []
    listed = any(w.startswith("The source departs") for w in summary.warnings)
    assert listed == (not json_validator(False).is_valid(data))
    if listed:
        with pytest.raises(ScheduleError, match=r"^The source deviates from the c3voc JSON schema in "):
            read_schedule(json.dumps(data).encode(), "generated.json", strict=True)


XML_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Co")), max_size=12)  # what XML can hold
XML_EDIT = st.one_of(
    st.tuples(st.just("element"), st.from_regex(r"[a-z_]{1,12}", fullmatch=True), XML_TEXT),
    st.tuples(st.just("drop"), st.sampled_from(["slug", "subtitle", "abstract", "description", "logo", "url", "persons", "links", "recording", "language", "track", "type"]), st.none()),
    st.tuples(st.just("text"), st.sampled_from(["slug", "logo", "url", "language", "type"]), XML_TEXT),
    st.tuples(st.just("attribute"), st.from_regex(r"[a-z]{1,8}", fullmatch=True), XML_TEXT),
)  # fmt: skip
CAMP_XML = frab_xml(CAMP)
CAMP_VENUES = VenueCollection.model_validate(venues_for("frab-camp2019.json")).features


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 78), XML_EDIT), max_size=6))
def test_any_deviation_in_the_xml_the_import_does_not_need_imports_every_session(edits):
    root = etree.fromstring(CAMP_XML)
    events = root.findall(".//event")
    for index, (action, name, value) in edits:
        event = events[index]
        if action == "element":
            etree.SubElement(event, name).text = value
        elif action == "attribute" and name not in ("guid", "id", "code"):
            event.set(name, value)
        elif (found := event.find(name or "")) is not None:
            if action == "drop":
                event.remove(found)
            elif action == "text":
                found.text = value
    raw = etree.tostring(root)
    schedule = read_schedule(raw, "generated.xml")
    placements = place_rooms(used_rooms(schedule), CAMP_VENUES, "venues.geojson", {})
    _, summary = build_program(schedule, placements, "generated.xml")
    assert summary.sessions == 79 and summary.skipped == []
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert any(w.startswith("The source departs") for w in summary.warnings) == (not schema.validate(root))


def test_the_unaltered_examples_that_conform_have_no_deviation_warning(imported):
    assert jsonschema.validators.validator_for({})  # the library the import uses for JSON sources
    _, summary = imported("hub-schedule2.json")
    assert not any(w.startswith("The source departs") for w in summary.warnings)


def test_a_source_naming_a_zone_its_times_never_have_is_imported_with_a_warning(tmp_path):
    # The democon export names UTC, but gives every time at +01:00: the pages would show 09:00 talks at 08:00.
    summary, _ = import_file(tmp_path, "pretalx-democon.json", json.dumps(DEMOCON).encode(), "json")
    assert summary.warnings == [
        "Time zone: the source names UTC, but its times are at UTC+01:00, which that zone never is on those "
        "days; pages show every time in UTC. If that is not where the event is, import again with --timezone."
    ]


def test_the_follower_reads_times_without_an_offset_in_the_events_zone(followed, release_server):
    app, follower, first = followed
    data = copy.deepcopy(first)
    del data["schedule"]["conference"]["time_zone_name"]
    for event in nested_events(data):
        moment = datetime.fromisoformat(event["date"]).astimezone(ZoneInfo("UTC"))
        event["date"] = moment.replace(tzinfo=None).isoformat()  # the event's zone is UTC (program.json)
    release_server.body = json.dumps(data).encode()
    with app.app_context():
        outcome = follower.poll()
    assert (outcome.status, outcome.changes) == ("applied", [])


@pytest.mark.parametrize("zone", [True, False], ids=["zone-named", "day-offsets-only"])
def test_an_older_frab_xml_without_date_places_events_by_day_and_start(zone):
    root = etree.fromstring(frab_xml(CAMP))
    if not zone:
        root.find("conference").remove(root.find("conference/time_zone_name"))
    for date in root.iter("date"):
        date.getparent().remove(date)
    schedule = read_schedule(etree.tostring(root), "old.xml")
    by_guid = {s.guid: s for s in schedule.sessions}
    assert len(by_guid) == 79 and schedule.skipped == []
    for event in nested_events(CAMP):  # every time as the JSON export's <date> has it, after midnight too
        assert by_guid[event["guid"]].start == datetime.fromisoformat(event["date"])
    assert {s.start.utcoffset() for s in schedule.sessions} == {
        datetime.fromisoformat(CAMP_FIRST).utcoffset()
    }


CAMP_FIRST = nested_events(CAMP)[0]["date"]
