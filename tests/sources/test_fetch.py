"""A source is a file or an http(s) URL in any of the formats; anything else fails with one clear sentence."""

import functools
import http.server
import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sources.conftest import EXAMPLES, venues_for
from webapp.datafiles import VenueCollection
from webapp.sources.convert import build_program, used_rooms
from webapp.sources.fetch import fetch, read_schedule
from webapp.sources.model import ScheduleError
from webapp.sources.rooms import place_rooms


@pytest.fixture
def http_root(tmp_path):
    """Serve tmp_path on 127.0.0.1 for the test; yield its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_imports_like_a_file(http_root, tmp_path, imported):
    (tmp_path / "democon.json").write_bytes((EXAMPLES / "pretalx-democon.json").read_bytes())
    _, summary = imported("pretalx-democon.json", source=f"{http_root}/democon.json")
    assert summary.sessions == 36


def test_a_url_answers_not_modified_to_its_own_validators(http_root, tmp_path):
    (tmp_path / "democon.json").write_bytes((EXAMPLES / "pretalx-democon.json").read_bytes())
    first = fetch(f"{http_root}/democon.json")
    assert first.raw and first.last_modified
    again = fetch(f"{http_root}/democon.json", last_modified=first.last_modified)
    assert again.raw is None


def test_a_missing_url_says_so(http_root):
    with pytest.raises(ScheduleError, match=r"^http://127\.0\.0\.1:\d+/nothing\.json answered HTTP 404"):
        fetch(f"{http_root}/nothing.json")


def test_an_unreachable_host_says_so():
    with pytest.raises(ScheduleError, match=r"^Could not reach http://127\.0\.0\.1:9/"):
        fetch("http://127.0.0.1:9/schedule.json")


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(ScheduleError, match=r"^Could not read .*nope\.json \(No such file or directory\)"):
        fetch(str(tmp_path / "nope.json"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"hello", r"^the source is neither c3voc JSON, frab / c3voc XML nor iCalendar"),
        (b"[1, 2]", r"^This JSON is not a c3voc schedule"),
        (
            b"<html><body>maintenance</body></html>",
            r"^The source XML is not a frab / c3voc schedule: its root",
        ),
        (b"<schedule>", r"^The source is not well-formed XML"),
    ],
)
def test_garbage_is_refused_with_one_sentence(raw, message):
    with pytest.raises(ScheduleError, match=message):
        read_schedule(raw, "the source")


def test_a_schedule_xml_with_nothing_in_it_reads_as_empty_and_strict_refuses_it():
    raw = b"<schedule><conference/></schedule>"
    assert read_schedule(raw, "the source").sessions == []
    with pytest.raises(
        ScheduleError,
        match=r"^The source deviates from the c3voc schedule XSD in 1 place \(1 × <conference>: This element is not expected",
    ):
        read_schedule(raw, "the source", strict=True)


TEXT = st.one_of(st.none(), st.integers(), st.text(max_size=30), st.lists(st.text(max_size=5), max_size=2))
TIME = st.one_of(
    TEXT,
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.just("2020-12-14T09:00:00+01:00"),
)
EVENT = st.fixed_dictionaries(
    {"title": TEXT, "date": TIME, "duration": st.one_of(TEXT, st.sampled_from(["00:30", "25:00", "1:00:00"]))},
    optional={
        "guid": TEXT, "id": TEXT, "room": st.one_of(TEXT, st.just("Gray Room")), "language": TEXT, "track": TEXT,
        "persons": st.lists(st.dictionaries(st.sampled_from(["id", "public_name", "name", "guid"]), TEXT), max_size=3),
        "links": st.lists(st.dictionaries(st.sampled_from(["url", "title"]), TEXT), max_size=2),
        "do_not_record": st.one_of(st.booleans(), TEXT),
    },
)  # fmt: skip
SCHEDULE = st.fixed_dictionaries(
    {
        "schedule": st.fixed_dictionaries(
            {
                "conference": st.fixed_dictionaries(
                    {
                        "title": TEXT,
                        "time_zone_name": st.sampled_from(["UTC", "Europe/Berlin", "Mars/Olympus", ""]),
                        "days": st.lists(
                            st.fixed_dictionaries(
                                {"date": TIME, "rooms": st.dictionaries(st.sampled_from(["Gray Room", "Tan Room"]), st.lists(EVENT, max_size=4), max_size=2)}
                            ),
                            max_size=3,
                        ),
                    }
                )
            }
        )
    }
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEDULE)
def test_any_generated_schedule_imports_or_fails_with_one_sentence(data):
    venues = VenueCollection.model_validate(venues_for("pretalx-democon.json")).features
    try:
        schedule = read_schedule(json.dumps(data).encode(), "generated.json")
        placements = place_rooms(used_rooms(schedule), venues, "venues.geojson", {})
        program, summary = build_program(schedule, placements, "generated.json")
    except ScheduleError as exc:
        assert "\n" not in str(exc)
        return
    assert summary.sessions == len(program["sessions"]) > 0


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: ("BEGIN:VCALENDAR\r\n" + t).encode()),
        st.text(max_size=300).map(lambda t: ("<schedule>" + t).encode()),
        st.lists(st.sampled_from(["BEGIN:VEVENT", "SUMMARY:x", "DTSTART:20250816T100000", "DTEND:2025", "END:VEVENT", "LOCATION:Saal 1", "DTSTART;VALUE=DATE:20250816", "DURATION:PT1H"]), max_size=8).map(
            lambda lines: ("BEGIN:VCALENDAR\r\n" + "\r\n".join(lines) + "\r\nEND:VCALENDAR\r\n").encode()
        ),
    )
)  # fmt: skip
def test_any_bytes_read_as_a_schedule_or_fail_with_one_sentence(raw):
    try:
        read_schedule(raw, "generated")
    except ScheduleError as exc:
        assert "\n" not in str(exc)
