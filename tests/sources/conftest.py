"""Fixtures for the schedule importer: the real example files and venues files that place their rooms."""

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.servers import serve_release
from webapp.sources.convert import import_schedule
from webapp.sources.follow import Follower

EXAMPLES = ROOT / "tests" / "data" / "import-examples"
XSD = ROOT / "tests" / "data" / "schemas" / "c3voc-schedule.xml.xsd"

# Each example's rooms, placed in one made-up venue per event (the examples carry no coordinates).
VENUES = {
    "pretalx-democon.json": (
        "democon-hall",
        [13.40, 52.52],
        {"en": "DemoCon Hall"},
        ["Gray Room", "Tan Room"],
    ),
    "frab-camp2019.json": (
        "ziegeleipark",
        [13.30, 53.03],
        {"de": "Ziegeleipark Mildenberg", "en": "Mildenberg Brickworks Park"},
        ["Curie", "Meitner"],
    ),
    "hub-schedule2.json": (
        "cch",
        [9.98, 53.56],
        {"de": "Congress Center Hamburg", "en": "Congress Center Hamburg"},
        ["Saal 1", "Saal GLITCH", "Saal ZIGZAG"],
    ),
}


def venues_for(example: str) -> dict:
    """Return a venues file (only name, coordinates and rooms) that places the example's rooms."""
    venue_id, lon_lat, name, rooms = VENUES[example]
    props = {
        "id": venue_id,
        "name": name,
        "rooms": [{"id": f"room-{i}", "name": {"en": r}} for i, r in enumerate(rooms)],
    }
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": lon_lat}, "properties": props}
        ],
    }


def imported_files(example: str, workdir: Path) -> dict[str, str]:
    """Import an example schedule with the venues file that places its rooms; return the app settings
    that serve it (VENUES_FILE, PROGRAM_FILE)."""
    venues = workdir / "in" / "venues.geojson"
    venues.parent.mkdir(parents=True)
    venues.write_text(json.dumps(venues_for(example)))
    import_schedule(str(EXAMPLES / example), venues, out_dir=workdir / "out")
    return {
        "VENUES_FILE": str(workdir / "out" / "venues.geojson"),
        "PROGRAM_FILE": str(workdir / "out" / "program.json"),
    }


@pytest.fixture
def write_venues(tmp_path):
    """Return a callable that writes the venues file for an example and returns its path."""

    def _write(example: str, edit=None) -> Path:
        data = venues_for(example)
        if edit:
            edit(data)
        path = tmp_path / "in" / "venues.geojson"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False))
        return path

    return _write


@pytest.fixture
def imported(tmp_path, write_venues):
    """Return a callable that imports an example (or any source) and returns (out_dir, summary)."""

    def _import(example: str, source: str | None = None, **options):
        out = tmp_path / "out"
        summary, _ = import_schedule(
            source or str(EXAMPLES / example), write_venues(example), out_dir=out, **options
        )
        return out, summary

    return _import


@pytest.fixture
def release_server():
    """Yield a server on 127.0.0.1 that serves whatever release the test sets."""
    with serve_release() as server:
        yield server


@pytest.fixture
def followed(make_app, imported, release_server):
    """Return the app on the imported democon event, a Follower of the server, and the first release."""
    out, _ = imported("pretalx-democon.json")
    app = make_app(
        VENUES_FILE=str(out / "venues.geojson"),
        PROGRAM_FILE=str(out / "program.json"),
        EVENT_NOW="2020-12-14T08:00:00+01:00",
    )
    first = json.loads((EXAMPLES / "pretalx-democon.json").read_text())
    release_server.body = json.dumps(first).encode()
    return app, Follower(release_server.url), first


def frab_xml(data: dict) -> bytes:
    """Return a c3voc JSON schedule (nested form) as frab writes its schedule.xml, element for element."""
    from lxml import etree

    def add(parent, tag: str, text=None, **attributes):
        element = etree.SubElement(parent, tag, {k: str(v) for k, v in attributes.items() if v is not None})
        if text not in (None, ""):
            element.text = str(text)
        return element

    schedule = data["schedule"]
    conference = schedule["conference"]
    root = etree.Element("schedule")
    add(root, "version", schedule.get("version"))
    head = add(root, "conference")
    for key in ("acronym", "title", "start", "end"):
        add(head, key, conference.get(key))
    add(head, "days", conference.get("daysCount"))
    add(head, "timeslot_duration", conference.get("timeslot_duration"))
    if schedule.get("base_url"):
        add(head, "base_url", schedule["base_url"])
    if conference.get("time_zone_name"):
        add(head, "time_zone_name", conference["time_zone_name"])
    for day in conference["days"]:
        day_element = add(
            root, "day", index=day["index"], date=day["date"], start=day["day_start"], end=day["day_end"]
        )
        for room_name, events in day["rooms"].items():
            room = add(day_element, "room", name=room_name)
            for event in events:
                element = add(room, "event", guid=event["guid"], id=event["id"])
                for key in ("date", "start", "duration", "room", "slug", "url"):
                    add(element, key, event.get(key))
                recording = add(element, "recording")
                add(recording, "license", event.get("recording_license"))
                add(recording, "optout", str(bool(event.get("do_not_record"))).lower())
                for key in (
                    "title",
                    "subtitle",
                    "track",
                    "type",
                    "language",
                    "abstract",
                    "description",
                    "logo",
                ):
                    add(element, key, event.get(key))
                persons = add(element, "persons")
                for person in event.get("persons", []):
                    add(persons, "person", person.get("public_name"), id=person.get("id"))
                links = add(element, "links")
                for link in event.get("links", []):
                    add(links, "link", link.get("title"), href=link.get("url"))
                attachments = add(element, "attachments")
                for item in event.get("attachments", []):
                    add(attachments, "attachment", item.get("title"), href=item.get("url"))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
