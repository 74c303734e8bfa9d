"""Geocoding fills missing venue coordinates from a geocoder, once, into the file; never over the network here."""

import json
import socket
import sqlite3
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from geopy.exc import GeocoderUnavailable

from tests.conftest import ROOT
from webapp import create_app
from webapp.program.eventdata import load_event
from webapp.sources import geocode
from webapp.sources.geocode import GeocoderUnreachable, geocode_venues, placement

KINS_KO = "경기도 성남시 분당구 성남대로331번길 8 (정자동)"
NULL_GEOMETRY_MESSAGE = (
    "venues.geojson: feature 'kins-tower', field 'geometry': has no coordinates; "
    "place it on /staff/venues, or run `flask --app webapp venues geocode`"
)
# Nominatim's boundingbox is [south, north, west, east] as strings: this one is a building, ~30 m across.
BUILDING_BOX = ["37.3672", "37.3674", "127.1081", "127.1083"]
# ...and this one a whole campus, ~600 m across.
CAMPUS_BOX = ["37.3500", "37.3540", "127.1200", "127.1260"]


class FakeGeocoder:
    """Answer from a dict of query -> (lat, lon, boundingbox), recording every query asked."""

    def __init__(self, answers=None, default=None):
        self.answers, self.default, self.asked = answers or {}, default, []

    def __call__(self, query):
        self.asked.append(query)
        hit = self.answers.get(query, self.default)
        if hit is None:
            return None
        lat, lon, box = hit
        return SimpleNamespace(latitude=lat, longitude=lon, raw={"boundingbox": box, "display_name": query})


def unreachable(query):
    raise GeocoderUnavailable("Failed to resolve 'nominatim.openstreetmap.org'")


def feature(data, venue_id):
    return next(f for f in data["features"] if f["properties"]["id"] == venue_id)


def without_kins_geometry(venues):
    feature(venues, "kins-tower")["geometry"] = None


@pytest.fixture
def unplaced_files(event_files):
    """The embedded event with KINS Tower's coordinates removed (geometry null)."""
    return event_files(edit_venues=without_kins_geometry)


def test_a_found_address_fills_the_geometry_and_the_file_loads(unplaced_files):
    venues_path, program_path = unplaced_files
    fake = FakeGeocoder({KINS_KO: (37.3673, 127.1082, BUILDING_BOX)})

    results = geocode_venues(venues_path, fake)

    assert fake.asked == [KINS_KO]
    assert [(r.venue, r.outcome) for r in results] == [
        ("gravity-pangyo", "skipped"),
        ("healthcare-innovation-park", "skipped"),
        ("kins-tower", "found"),
        ("training-center", "skipped"),
    ]
    written = json.loads(venues_path.read_text())
    kins = feature(written, "kins-tower")
    assert kins["geometry"] == {"type": "Point", "coordinates": [127.1082, 37.3673]}
    assert kins["properties"]["position"] == "exact"
    assert kins["properties"]["geocoded"] == {
        "by": "nominatim",
        "query": KINS_KO,
        "at": datetime.now(UTC).date().isoformat(),
        "match": KINS_KO,
    }
    # Key order is kept: geometry stays before properties, geocoded comes last.
    assert list(kins) == ["type", "id", "geometry", "properties"]
    assert list(kins["properties"])[-1] == "geocoded"
    assert venues_path.read_text().endswith("}\n")
    event = load_event(venues_path, program_path)
    assert event.unplaced == []
    assert event.venues_by_id["kins-tower"].geocoded.query == KINS_KO


def test_the_english_address_is_tried_when_the_korean_one_is_not_found(unplaced_files):
    venues_path, _ = unplaced_files
    english = "8 Seongnam-daero 331beon-gil, Bundang-gu, Seongnam-si, Gyeonggi-do"
    fake = FakeGeocoder({english: (37.3673, 127.1082, CAMPUS_BOX)})

    results = geocode_venues(venues_path, fake)

    assert fake.asked == [KINS_KO, english]
    kins = feature(json.loads(venues_path.read_text()), "kins-tower")["properties"]
    assert (kins["position"], kins["geocoded"]["query"]) == ("approximate", english)
    assert "found 127.1082000, 37.3673000 (approximate" in str(results[2])


def test_an_address_nobody_knows_changes_nothing(unplaced_files):
    venues_path, _ = unplaced_files
    before = venues_path.read_bytes()

    results = geocode_venues(venues_path, FakeGeocoder())

    assert results[2].outcome == "not found"
    assert str(results[2]).startswith(f"kins-tower: not found (tried '{KINS_KO}' / '8 Seongnam-daero")
    assert venues_path.read_bytes() == before


def test_nothing_is_asked_or_written_when_every_venue_has_coordinates(event_files):
    venues_path, _ = event_files()
    before, mtime = venues_path.read_bytes(), venues_path.stat().st_mtime_ns
    fake = FakeGeocoder(default=(37.0, 127.0, BUILDING_BOX))

    results = geocode_venues(venues_path, fake)

    assert fake.asked == []
    assert {r.outcome for r in results} == {"skipped"}
    assert venues_path.read_bytes() == before
    assert venues_path.stat().st_mtime_ns == mtime


def test_refresh_approximate_looks_up_the_training_centre_again(event_files):
    venues_path, program_path = event_files()
    fake = FakeGeocoder(default=(37.3520, 127.1230, CAMPUS_BOX))

    results = geocode_venues(venues_path, fake, refresh_approximate=True)

    assert [r.venue for r in results if r.outcome == "found"] == ["training-center"]
    training = load_event(venues_path, program_path).venues_by_id["training-center"]
    assert training.position == "approximate"
    assert 300 <= training.accuracy_m <= 400  # half the campus box's diagonal
    assert training.geocoded.by == "nominatim"


def test_dry_run_reports_but_does_not_write(unplaced_files):
    venues_path, _ = unplaced_files
    before = venues_path.read_bytes()

    results = geocode_venues(
        venues_path, FakeGeocoder(default=(37.3673, 127.1082, BUILDING_BOX)), dry_run=True
    )

    assert results[2].outcome == "found"
    assert venues_path.read_bytes() == before


def test_an_unreachable_geocoder_leaves_the_file_byte_for_byte(unplaced_files):
    venues_path, _ = unplaced_files
    before = venues_path.read_bytes()

    with pytest.raises(GeocoderUnreachable, match="Failed to resolve"):
        geocode_venues(venues_path, unreachable, refresh_approximate=True)

    assert venues_path.read_bytes() == before
    assert sorted(p.name for p in venues_path.parent.iterdir()) == ["program.json", "venues.geojson"]


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        (BUILDING_BOX, ("exact", 15)),
        (CAMPUS_BOX, ("approximate", 347)),
        (["37.36730", "37.36731", "127.10820", "127.10821"], ("exact", 1)),
        (["37.3670", "37.3680", "127.1080", "127.1085"], ("approximate", 100)),
        (None, ("approximate", 500)),
    ],
)
def test_placement_follows_the_size_of_the_match(box, expected):
    assert placement({"boundingbox": box} if box else {}) == expected


def test_the_file_keeps_its_layout_apart_from_what_was_found(tmp_path):
    venues_path = tmp_path / "venues.geojson"
    venues_path.write_bytes((ROOT / "venues.geojson").read_bytes())
    fake = FakeGeocoder(default=(37.3520, 127.1230, CAMPUS_BOX))

    geocode_venues(venues_path, fake, refresh_approximate=True)

    original = json.loads((ROOT / "venues.geojson").read_text())
    changed = json.loads(venues_path.read_text())
    feature(changed, "training-center")["geometry"] = feature(original, "training-center")["geometry"]
    feature(changed, "training-center")["properties"].update(accuracy_m=400)
    del feature(changed, "training-center")["properties"]["geocoded"]
    assert json.dumps(changed, ensure_ascii=False, indent=2) + "\n" == (ROOT / "venues.geojson").read_text()


def test_an_unreachable_geocoder_is_reported_by_its_root_cause(unplaced_files):
    def offline(query):
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except OSError as exc:
            raise GeocoderUnavailable(
                "HTTPSConnectionPool(host=...): Max retries exceeded with url: /search?q=..."
            ) from exc

    with pytest.raises(GeocoderUnreachable, match=r"^\[Errno -2\] Name or service not known$"):
        geocode_venues(unplaced_files[0], offline)


def test_nominatim_is_rate_limited_and_says_who_is_asking():
    limited = geocode.make_nominatim()
    assert limited.min_delay_seconds == 1
    # A network error must surface (and stop the run), never read as "not found".
    assert (limited.swallow_exceptions, limited.max_retries) == (False, 0)
    assert limited.func.__self__.headers["User-Agent"].startswith("venue-live/")


def unplaced_app(unplaced_files, database):
    """Return the app on the unplaced venue and program files, with its SQLite database at database."""
    venues_path, program_path = unplaced_files
    return create_app(
        {
            "TESTING": True,
            "VENUES_FILE": str(venues_path),
            "PROGRAM_FILE": str(program_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        }
    )


@pytest.fixture
def geocode_cli(unplaced_files, tmp_path, monkeypatch):
    """Return a callable running `venues geocode` on the unplaced files with a given fake geocoder."""
    app = unplaced_app(unplaced_files, tmp_path / "cli.db")

    def _run(geocoder, *args):
        monkeypatch.setattr(geocode, "make_nominatim", lambda: geocoder)
        return app.test_cli_runner().invoke(args=["venues", "geocode", *args])

    return _run


def test_geocode_command_prints_a_line_per_venue_and_writes(geocode_cli, unplaced_files):
    venues_path, program_path = unplaced_files

    result = geocode_cli(FakeGeocoder({KINS_KO: (37.3673, 127.1082, BUILDING_BOX)}))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "gravity-pangyo: skipped (has coordinates)"
    assert lines[2].startswith("kins-tower: found 127.1082000, 37.3673000 (exact, within 15 m)")
    assert lines[-1] == f"Wrote 1 venue(s) to {venues_path}."
    assert load_event(venues_path, program_path).unplaced == []


def test_geocode_command_dry_run_writes_nothing(geocode_cli, unplaced_files):
    venues_path, _ = unplaced_files
    before = venues_path.read_bytes()

    result = geocode_cli(FakeGeocoder({KINS_KO: (37.3673, 127.1082, BUILDING_BOX)}), "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Dry run: 1 venue(s) found, {venues_path} not written."
    assert venues_path.read_bytes() == before


def test_geocode_command_without_network_says_so_and_changes_nothing(geocode_cli, unplaced_files):
    venues_path, _ = unplaced_files
    before = venues_path.read_bytes()

    result = geocode_cli(unreachable, "--refresh-approximate")

    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: Could not reach the geocoder (Failed to resolve 'nominatim.openstreetmap.org'); "
        "nothing was changed."
    )
    assert venues_path.read_bytes() == before


def test_import_event_refuses_a_venue_without_coordinates(unplaced_files, tmp_path):
    app = unplaced_app(unplaced_files, tmp_path / "import.db")

    result = app.test_cli_runner().invoke(args=["import-event"])

    assert result.exit_code != 0
    assert result.output.strip() == f"Error: {NULL_GEOMETRY_MESSAGE}"
    # Nothing written: not even a table.
    assert sqlite3.connect(tmp_path / "import.db").execute("SELECT name FROM sqlite_master").fetchall() == []
