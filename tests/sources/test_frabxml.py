"""A frab / c3voc schedule XML imports after passing the XSD: here, the app's own export of an imported event."""

import pytest

from tests.sources.conftest import EXAMPLES
from webapp.sources.fetch import read_schedule
from webapp.sources.frabxml import read_frab_xml
from webapp.sources.model import ScheduleError


@pytest.fixture
def exported_xml(make_app, imported):
    """Return the /schedule.xml the app serves for the imported frab example."""
    out, _ = imported("frab-camp2019.json")
    app = make_app(VENUES_FILE=str(out / "venues.geojson"), PROGRAM_FILE=str(out / "program.json"))
    return app.test_client().get("/schedule.xml").data


def test_the_xml_export_reads_back_with_every_session(exported_xml):
    schedule = read_frab_xml(exported_xml)
    assert schedule.format == "frab / c3voc schedule XML"
    assert schedule.timezone == "Europe/Berlin"
    assert len(schedule.sessions) == 79
    assert {s.room.name for s in schedule.sessions} == {
        "Mildenberg Brickworks Park Curie",
        "Mildenberg Brickworks Park Meitner",
    }
    assert all(s.start.utcoffset() is not None for s in schedule.sessions)
    assert all(s.url and s.url.startswith("http") for s in schedule.sessions)


def test_xml_that_breaks_the_xsd_reads_listing_the_deviation_and_strict_refuses_it(exported_xml):
    broken = exported_xml.replace(b"<duration>", b"<duration>soon", 1)
    schedule = read_frab_xml(broken)
    assert len(schedule.sessions) == 78
    assert schedule.skipped == ["event 'Opening Ceremony': duration 'soon00:30' is not HH:MM"]
    [deviation] = schedule.deviations
    assert (deviation.subject, deviation.value) == ("<duration>", "soon00:30")
    assert deviation.where.startswith("line ")
    with pytest.raises(
        ScheduleError, match=r"^The source deviates from the c3voc schedule XSD in 1 place \(1 × <duration>"
    ):
        read_schedule(broken, strict=True)


def test_entities_are_not_expanded():
    raw = (
        b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><schedule>&x;</schedule>'
    )
    with pytest.raises(ScheduleError, match="declares a DOCTYPE"):
        read_frab_xml(raw)


def test_json_example_is_not_read_as_xml():
    with pytest.raises(ScheduleError, match="not well-formed XML"):
        read_frab_xml((EXAMPLES / "frab-camp2019.json").read_bytes())
