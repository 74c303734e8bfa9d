"""A bad data file stops start-up with one sentence naming the file, the item and the field."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.test_text import NOT_TEXT
from webapp.program.eventdata import EventDataError, load_event


def session(program, session_id):
    return next(s for s in program["sessions"] if s["id"] == session_id)


def feature(venues, venue_id):
    return next(f for f in venues["features"] if f["properties"]["id"] == venue_id)


def test_embedded_event_loads():
    event = load_event(ROOT / "venues.geojson", ROOT / "program.json")
    assert set(event.venues_by_id) == {
        "gravity-pangyo",
        "healthcare-innovation-park",
        "kins-tower",
        "training-center",
    }
    assert len(event.program.sessions) >= 30
    assert event.venues_by_id["training-center"].position == "approximate"
    assert all(s.provenance in ("sourced", "reconstructed") for s in event.program.sessions)
    assert {s.mode for s in event.program.sessions} == {"in_person", "online", "hybrid"}


def test_every_venue_has_sessions_on_every_day():
    event = load_event(ROOT / "venues.geojson", ROOT / "program.json")
    used = {(s.venue, s.start.astimezone(event.tz).date()) for s in event.program.sessions}
    for venue_id in event.venues_by_id:
        for day in event.event.days:
            assert (venue_id, day) in used


def test_only_the_opening_ceremony_is_sourced():
    event = load_event(ROOT / "venues.geojson", ROOT / "program.json")
    assert [s.id for s in event.program.sessions if s.provenance == "sourced"] == ["opening-ceremony"]
    assert all(s.note for s in event.program.sessions if s.provenance == "reconstructed")


def _set(path_keys, value):
    def edit(data):
        target = data
        for key in path_keys[:-1]:
            target = target[key]
        target[path_keys[-1]] = value

    return edit


BAD_PROGRAMS = [
    (
        lambda p: session(p, "opening-ceremony").update(venue="nowhere"),
        "program.json: session 'opening-ceremony', field 'venue': 'nowhere' is not a venue in the venues file",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(room="no-such-room"),
        "program.json: session 'opening-ceremony', field 'room': 'no-such-room' is not a room of venue",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(room="kins-7f-auditorium"),
        "program.json: session 'opening-ceremony', field 'room': 'kins-7f-auditorium' is not a room of venue",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(end="2023-11-29T15:00:00+09:00"),
        "program.json: session 'opening-ceremony', field 'end': is before start",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(start="2023-11-29T16:00:00"),
        "program.json: session 'opening-ceremony', field 'start': Input should have timezone info",
    ),
    (
        lambda p: p["sessions"].append(dict(session(p, "opening-ceremony"))),
        "program.json: session 'opening-ceremony', field 'id': is used twice",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(title={}),
        "program.json: session 'opening-ceremony', field 'title': Dictionary should have at least 1 item",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(track="no-track"),
        "program.json: session 'opening-ceremony', field 'track': 'no-track' is not listed in tracks",
    ),
    (
        lambda p: session(p, "keynote-ohno-machado").update(stream_url=None),
        "program.json: session 'keynote-ohno-machado', field 'stream_url': is required for a hybrid session",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(
            start="2023-12-05T16:00:00+09:00", end="2023-12-05T17:00:00+09:00"
        ),
        "program.json: session 'opening-ceremony', field 'start': is not on one of the event's days",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(mode="outdoors"),
        "program.json: session 'opening-ceremony', field 'mode': Input should be 'in_person', 'online' or 'hybrid'",
    ),
    (_set(["event", "timezone"], "Mars/Olympus"), "program.json: event, field 'timezone': 'Mars/Olympus'"),
    (
        lambda p: session(p, "opening-ceremony").update(track=7),
        "program.json: session 'opening-ceremony', field 'track': Input should be a valid string: an id is text"
        ' in quotes, such as "s-101", not the number 7',
    ),
]


BAD_VENUES = [
    (
        lambda v: feature(v, "kins-tower")["geometry"].update(coordinates=[127.1, 95.0]),
        "venues.geojson: feature 'kins-tower', field 'geometry.coordinates': Value error, latitude 95.0 is outside",
    ),
    (
        lambda v: feature(v, "kins-tower")["geometry"].update(coordinates=[227.1, 37.3]),
        "venues.geojson: feature 'kins-tower', field 'geometry.coordinates': Value error, longitude 227.1",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"]["name"].update(ko=" "),
        "venues.geojson: feature 'kins-tower', field 'properties.name.ko': String should have at least 1",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"].update(id="gravity-pangyo"),
        "venues.geojson: feature 'gravity-pangyo', field 'id': is used twice",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"]["rooms"][0].update(id="gravity-lobby"),
        "venues.geojson: room 'gravity-lobby', field 'id': is used twice",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"].update(position="roughly"),
        "venues.geojson: feature 'kins-tower', field 'properties.position': Input should be 'exact' or",
    ),
]


@pytest.mark.parametrize(
    ("edited", "edit", "message"),
    [("program", *bad) for bad in BAD_PROGRAMS] + [("venues", *bad) for bad in BAD_VENUES],
)
def test_a_bad_data_file_is_refused_with_one_line(event_files, edited, edit, message):
    venues_path, program_path = event_files(**{f"edit_{edited}": edit})
    with pytest.raises(EventDataError) as caught:
        load_event(venues_path, program_path)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_json_names_the_file(event_files):
    venues_path, program_path = event_files()
    program_path.write_text("{ not json")
    with pytest.raises(EventDataError, match=r"^program\.json: not valid JSON"):
        load_event(venues_path, program_path)


def test_a_missing_file_names_the_file(tmp_path):
    with pytest.raises(EventDataError, match=r"^venues\.geojson: file not found"):
        load_event(tmp_path / "venues.geojson", ROOT / "program.json")


def test_a_venue_without_coordinates_loads_and_is_listed_as_unplaced(event_files):
    venues_path, program_path = event_files(
        edit_venues=lambda v: feature(v, "kins-tower").update(geometry=None)
    )
    event = load_event(venues_path, program_path)
    assert [f.properties.id for f in event.unplaced] == ["kins-tower"]
    with pytest.raises(EventDataError) as caught:
        event.check_placed()
    assert str(caught.value) == (
        "venues.geojson: feature 'kins-tower', field 'geometry': has no coordinates; "
        "place it on /staff/venues, or run `flask --app webapp venues geocode`"
    )


def test_every_embedded_venue_is_placed():
    event = load_event(ROOT / "venues.geojson", ROOT / "program.json")
    assert event.unplaced == []
    event.check_placed()


def test_the_default_event_is_in_korean_and_english():
    event = load_event(ROOT / "venues.geojson", ROOT / "program.json")
    assert event.event.languages == ["ko", "en"]


def _german_event(p):
    p["event"]["languages"] = ["de", "en"]
    p["event"]["name"] = {"de": "Tagung", "en": "Conference"}
    session(p, "opening-ceremony")["title"] = {"de": "Eröffnung"}


def test_a_de_en_event_needs_no_korean_and_falls_back_for_a_missing_translation(event_files):
    event = load_event(*event_files(edit_program=_german_event))
    assert event.event.languages == ["de", "en"]
    title = next(s for s in event.program.sessions if s.id == "opening-ceremony").title
    assert title.translations == {"de": "Eröffnung"}
    assert (title.get("de"), title.get("en"), title.get("ko")) == ("Eröffnung", "Eröffnung", "Eröffnung")
    assert event.event.name.get("ko") == "Conference"


def test_a_dumped_text_can_be_read_in_every_interface_language(event_files):
    event = load_event(*event_files(edit_program=_german_event))
    title = next(s for s in event.program.sessions if s.id == "opening-ceremony").title
    assert title.model_dump() == {"ko": "Eröffnung", "en": "Eröffnung", "de": "Eröffnung"}


def test_a_one_language_event_loads(event_files):
    def english_only(p):
        p["event"]["languages"] = ["en"]
        for s in p["sessions"]:
            s["title"] = {"en": s["title"]["en"]}

    event = load_event(*event_files(edit_program=english_only))
    assert all(list(s.title.translations) == ["en"] for s in event.program.sessions)


def test_a_venue_needs_only_a_name_coordinates_and_rooms(event_files):
    def bare(v):
        props = feature(v, "kins-tower")["properties"]
        rooms = [{"id": r["id"], "name": {"en": r["name"]["en"]}} for r in props["rooms"]]
        props.clear()
        props.update(id="kins-tower", name={"en": "KINS Tower"}, rooms=rooms)
        for other in v["features"]:
            other["properties"].get("transit_hints", {}).pop("kins-tower", None)

    event = load_event(*event_files(edit_venues=bare))
    venue = event.venues_by_id["kins-tower"]
    assert (venue.short_name.get("en"), venue.address, venue.station, venue.position) == (
        "KINS Tower",
        None,
        None,
        "exact",
    )
    assert venue.rooms[0].floor == ""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set(["event", "languages"], []), "program.json: field 'event.languages': List should have at least 1 item"),
        (_set(["event", "languages"], ["de", "de"]), "program.json: field 'event.languages': Value error, lists a language twice"),
        (_set(["event", "languages"], ["German"]), "program.json: field 'event.languages[0]': is not a language code such as 'de' or 'en'"),
        (
            lambda p: session(p, "opening-ceremony").update(title={"German": "Eröffnung"}),
            "program.json: session 'opening-ceremony', field 'title.German': is not a language code such as 'de' or 'en'",
        ),
        (
            lambda p: session(p, "opening-ceremony").update(language="German"),
            "program.json: session 'opening-ceremony', field 'language': is not one to three language codes joined by '-'",
        ),
        (
            lambda p: session(p, "opening-ceremony").update(title={"en": "x" * 501}),
            "program.json: session 'opening-ceremony', field 'title.en': is longer than 500 characters",
        ),
    ],
)  # fmt: skip
def test_bad_languages_are_refused_naming_the_field(event_files, edit, message):
    with pytest.raises(EventDataError) as caught:
        load_event(*event_files(edit_program=edit))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


# --- hostile files: one line naming the file (and the field), never a traceback -----------------

HOSTILE_PROGRAMS = [
    (
        lambda p: session(p, "opening-ceremony").update(start="9999-12-31T10:00:00+09:00"),
        "program.json: session 'opening-ceremony', field 'start': Value error, is in the year 9999",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(end="9999-12-31T23:00:00-05:00"),
        "program.json: session 'opening-ceremony', field 'end': Value error, is in the year 9999",
    ),
    (
        lambda p: session(p, "opening-ceremony").update(end="2024-11-29T23:00:00+09:00"),
        "program.json: session 'opening-ceremony', field 'end': is more than a week after the event's last day",
    ),
    (
        lambda p: p["event"]["days"].insert(0, "0001-01-01"),
        "program.json: field 'event.days[0]': Value error, is in the year 1, outside 1970..2100",
    ),
]


@pytest.mark.parametrize(("edit", "message"), HOSTILE_PROGRAMS)
def test_a_time_outside_any_sane_range_is_refused(event_files, edit, message):
    venues_path, program_path = event_files(edit_program=edit)
    with pytest.raises(EventDataError) as caught:
        load_event(venues_path, program_path)
    assert str(caught.value).startswith(message)


HOSTILE_VENUES = [
    (
        lambda v: feature(v, "kins-tower")["geometry"].update(coordinates=["127.1", "37.4"]),
        "field 'geometry.coordinates[0]': Input should be a valid number",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"].update(accuracy_m=1e308),
        "field 'properties.accuracy_m': Input should be less than or equal to 100000",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"].update(accuracy_m="Infinity"),
        "field 'properties.accuracy_m': Input should be a valid number",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"].update(accuracy_m=float("nan")),
        "field 'properties.accuracy_m': Input should be a finite number",
    ),
    (
        lambda v: feature(v, "kins-tower")["properties"]["rooms"][0].update(capacity=10**30),
        "field 'properties.rooms[0].capacity': Input should be less than or equal to 1000000",
    ),
]


@pytest.mark.parametrize(("edit", "message"), HOSTILE_VENUES)
def test_a_number_that_is_not_a_sane_number_is_refused(event_files, edit, message):
    venues_path, program_path = event_files(edit_venues=edit)
    with pytest.raises(EventDataError) as caught:
        load_event(venues_path, program_path)
    assert str(caught.value) == f"venues.geojson: feature 'kins-tower', {message}"


def raw_program(event_files, transform):
    """Write the event's files, then replace program.json's bytes with transform(bytes)."""
    venues_path, program_path = event_files()
    program_path.write_bytes(transform(program_path.read_bytes()))
    return venues_path, program_path


RAW_PROGRAMS = [
    (lambda raw: b"\xef\xbb\xbf" + raw, "program.json: starts with a byte order mark"),
    (lambda raw: raw.decode().encode("utf-16"), "program.json: is not UTF-8 text (byte 0)"),
    (lambda raw: raw.replace("개".encode(), b"\xe9", 1), "program.json: is not UTF-8 text (byte "),
    (lambda raw: b"[" * 100_000 + b"]" * 100_000, "program.json: is nested too deeply to be event data"),
    (lambda raw: b'{"tracks": [], ' + raw[1:], "program.json: field 'tracks': is given twice in one object"),
    (
        lambda raw: raw.replace(b'"opening-ceremony"', b'"\\ud800"', 1),
        "program.json: field 'sessions[0].id': has a lone surrogate",
    ),
]


@pytest.mark.parametrize(("transform", "message"), RAW_PROGRAMS)
def test_a_file_that_is_not_clean_utf8_json_is_refused(event_files, transform, message):
    venues_path, program_path = raw_program(event_files, transform)
    with pytest.raises(EventDataError) as caught:
        load_event(venues_path, program_path)
    assert str(caught.value).startswith(message)


def test_a_directory_given_as_a_data_file_is_refused(event_files, tmp_path):
    venues_path, _ = event_files()
    (tmp_path / "program.json.d").mkdir()
    with pytest.raises(EventDataError, match=r"^program\.json\.d: .* is a directory, not a file$"):
        load_event(venues_path, tmp_path / "program.json.d")


def test_an_oversized_file_is_refused_before_it_is_read(event_files, monkeypatch):
    monkeypatch.setattr("webapp.program.jsonfile.MAX_FILE_BYTES", 1024)
    venues_path, program_path = event_files()
    with pytest.raises(EventDataError, match=r"^venues\.geojson: is larger than 1,024 bytes$"):
        load_event(venues_path, program_path)


def test_a_key_with_a_line_break_still_gives_one_line(event_files):
    venues_path, program_path = event_files(edit_program=lambda p: p.update({"bad\nkey": 1}))
    with pytest.raises(EventDataError) as caught:
        load_event(venues_path, program_path)
    assert str(caught.value) == "program.json: field 'bad\\nkey': is not a known field"


# --- fuzzed: any mutation of the real files loads, or is refused in one line naming the file ---------

REAL = {
    "venues.geojson": json.loads((ROOT / "venues.geojson").read_text()),
    "program.json": json.loads((ROOT / "program.json").read_text()),
}


def all_paths(value, prefix=()):
    """Return the path (keys and indexes) of every value in a JSON document, the root included."""
    found = [prefix]
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        found += all_paths(child, (*prefix, key))
    return found


PATHS = [(name, path) for name, data in REAL.items() for path in all_paths(data)]
HOSTILE_TEXT = st.sampled_from(
    ["\ud800", "9999-12-31T00:00:00+09:00", "0001-01-01", "Infinity", "NaN", "", " "]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=20)
    | HOSTILE_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def mutated(name, path, value, delete):
    """Return a copy of a real file with the value at path replaced by value (or deleted)."""
    data = copy.deepcopy(REAL[name])
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


def assert_loads_or_says_one_line(venues_path, program_path, file_name):
    """Load the files: fine, or one EventDataError line naming the damaged file (or the program, which
    refers to the venues file's rooms, when a room went missing)."""
    try:
        load_event(venues_path, program_path)
    except EventDataError as exc:
        message = str(exc)
        assert message.startswith((f"{file_name}: ", "program.json: ")) and "\n" not in message, message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(PATHS), value=JSON_VALUES, delete=st.booleans())
def test_a_mutated_data_file_loads_or_is_refused_in_one_line(tmp_path, target, value, delete):
    name, path = target
    files = {n: tmp_path / n for n in REAL}
    for n, data in REAL.items():
        files[n].write_text(json.dumps(mutated(n, path, value, delete) if n == name else data))
    assert_loads_or_says_one_line(files["venues.geojson"], files["program.json"], name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(REAL)),
    where=st.floats(min_value=0, max_value=1),
    junk=st.binary(max_size=8),
    cut=st.booleans(),
)
def test_a_file_with_its_bytes_damaged_loads_or_is_refused_in_one_line(tmp_path, name, where, junk, cut):
    files = {n: tmp_path / n for n in REAL}
    for n in REAL:
        raw = (ROOT / n).read_bytes()
        if n == name:
            at = int(where * len(raw))
            raw = raw[:at] if cut else raw[:at] + junk + raw[at:]
        files[n].write_bytes(raw)
    assert_loads_or_says_one_line(files["venues.geojson"], files["program.json"], name)


# --- text from a data file: no control character reaches the database, the pages or the exports ------

# The real files, with one session carrying every optional field an import writes.
FULL = copy.deepcopy(REAL)
session(FULL["program.json"], "opening-ceremony").update(
    guid="a5b5c8b5-opening", url="https://example.org/talk/1", subtitle={"en": "Sub"}, abstract={"en": "Abs"},
    type="Talk", recording_license="CC BY 4.0",
    links=[{"url": "https://example.org/slides", "title": "Slides", "type": "SLIDES"}],
    speakers=[{"name": {"en": "Ada"}, "id": "ADA1"}],
)  # fmt: skip


def _at(data, path):
    for key in path:
        data = data[key]
    return data


def _string_shapes() -> list[tuple[str, tuple]]:
    """Return one path of each kind of string in the files (sessions[*].title.en once, not per session)."""
    shapes = {}
    for name, data in FULL.items():
        for path in all_paths(data):
            if path and isinstance(_at(data, path), str):
                shapes.setdefault((name, tuple("*" if isinstance(k, int) else k for k in path)), (name, path))
    return list(shapes.values())


STRING_SHAPES = _string_shapes()


def test_a_control_character_in_any_text_of_the_files_is_refused_naming_the_field(tmp_path):
    # Each kind of string gets another character the rule refuses, in its middle.
    for number, (name, path) in enumerate(STRING_SHAPES):
        char = NOT_TEXT[number % len(NOT_TEXT)]
        files = {n: tmp_path / n for n in FULL}
        for n, data in FULL.items():
            if n == name:
                data = copy.deepcopy(data)
                parent, key = _at(data, path[:-1]), path[-1]
                parent[key] = parent[key][:1] + char + parent[key][1:]
            files[n].write_text(json.dumps(data))  # escaped: a lone surrogate is a \\ud800 escape
        with pytest.raises(EventDataError) as caught:
            load_event(files["venues.geojson"], files["program.json"])
        message, field = str(caught.value), next(k for k in reversed(path) if isinstance(k, str))
        assert message.startswith(f"{name}: ") and field in message and "\n" not in message, (path, message)
    assert len(STRING_SHAPES) > 60


def test_tabs_and_line_breaks_in_a_text_load_and_cr_is_read_as_a_newline(event_files):
    def edit(p):
        session(p, "opening-ceremony")["description"] = {"en": "Line one\r\nLine two\r\tindented"}

    event = load_event(*event_files(edit_program=edit))
    opening = next(s for s in event.program.sessions if s.id == "opening-ceremony")
    assert opening.description.en == "Line one\nLine two\n\tindented"


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("stream_url", "https://example.org/live\r\nx"),
        ("stream_url", "https://example.org/a b"),
        ("stream_url", "https://user@example.org/"),
        ("url", "javascript:alert(1)"),
        ("url", "https://example.org\\@evil.example/"),
    ],
)
def test_a_url_in_the_files_is_checked_as_a_url(event_files, key, url):
    venues_path, program_path = event_files(
        edit_program=lambda p: session(p, "opening-ceremony").update({key: url})
    )
    with pytest.raises(EventDataError) as caught:
        load_event(venues_path, program_path)
    assert str(caught.value).startswith(f"program.json: session 'opening-ceremony', field '{key}': ")
