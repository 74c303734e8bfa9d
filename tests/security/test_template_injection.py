"""Text from the data is never read as a template: `{{7*7}}` in a name shows as `{{7*7}}`, never as 49.

Every name and text field of the embedded event's data files, and of an event the importer made from a
c3voc schedule (titles, abstracts, tracks, people, rooms, the event's name), holds Jinja syntax: an
expression, a statement, a comment, the app's config and Python's globals. Every page type and every
export is rendered in Korean and English; each must show each payload literally and no value of its
evaluation (49, an empty string where `{{ config }}` stood, a dict repr, the process id). branca renders
a folium macro's output as a template again (webapp/program/mapview.py), so a name in a map marker ran
on the server until the venues became page data.
"""

import html
import json
import os
import re
from pathlib import Path

import pytest
from flask_migrate import upgrade

from tests.conftest import ROOT
from tests.sources.conftest import EXAMPLES
from tests.staff.test_auth import PASSWORD, login
from webapp import create_app
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.program.importer import import_event
from webapp.sources.convert import import_schedule
from webapp.staff.accounts import create_staff

# Each payload sits between markers, so that any change to it (an evaluation, a comment swallowing the
# rest, a raw block) is found wherever the marker is: "tpl[" must always be followed by PAYLOAD + "]tpl".
# The two that break a template's syntax get data files of their own: in the old code the first would
# have stopped the page (a 500) before the others could be evaluated.
PAYLOADS = {
    "expressions": "{{7*7}} {{ config }} {{lipsum.__globals__}} {{lipsum.__globals__.os.getpid()}}",
    "raw": "{% raw %}",
    "comment": "{#",
}
NOW = "2023-11-30T14:00:00+09:00"
IMPORTED_NOW = "2020-12-14T09:10:00+01:00"  # the first talks of the pretalx DemoCon example
LANGS = ("en", "ko")


def marked(payload: str, n: int | str = "") -> str:
    return f"tpl[{payload}]tpl{n}"


def both(text: str) -> dict[str, str]:
    return {"ko": f"{text} 한", "en": text}


# --- the two events ------------------------------------------------------------------------------


def hostile_files(workdir: Path, payload: str) -> tuple[Path, Path]:
    """Write the embedded event's files with the payload in every name and text field."""
    venues = json.loads((ROOT / "venues.geojson").read_text())
    program = json.loads((ROOT / "program.json").read_text())
    text = lambda n: both(marked(payload, n))  # noqa: E731
    for n, feature in enumerate(venues["features"]):
        props = feature["properties"]
        props["name"], props["short_name"], props["address"] = text(f"v{n}"), text(f"s{n}"), text("a")
        props["station"]["name"] = text("st")
        props["station"]["lines"] = [text("line")]
        if props.get("position_note"):
            props["position_note"] = text("note")
        for hint in props.get("transit_hints", {}):
            props["transit_hints"][hint] = text("hint")
        for m, room in enumerate(props["rooms"]):
            room["name"] = text(f"r{n}.{m}")
            room["floor"] = payload if len(payload) <= 10 else "{{7*7}}"  # at most 10 characters
    program["event"]["name"], program["event"]["short_name"] = text("e"), text("es")
    for track in program["tracks"]:
        track["name"] = text(track["id"])
    for n, session in enumerate(program["sessions"]):
        session["title"], session["description"] = text(f"t{n}"), text("d")
        if session.get("note"):
            session["note"] = text("n")
        for speaker in session["speakers"]:
            speaker["name"], speaker["affiliation"] = text("p"), text("aff")
    paths = workdir / "venues.geojson", workdir / "program.json"
    paths[0].write_text(json.dumps(venues, ensure_ascii=False))
    paths[1].write_text(json.dumps(program, ensure_ascii=False))
    return paths


def hostile_import(workdir: Path, payload: str) -> tuple[Path, Path]:
    """Import the pretalx example with the payload in every text it carries, its room names included."""
    schedule = json.loads((EXAMPLES / "pretalx-democon.json").read_text())
    conference = schedule["schedule"]["conference"]
    conference["title"] = marked(payload, "conf")
    for day in conference["days"]:
        day["rooms"] = {marked(payload, f"room{n}"): events for n, events in enumerate(day["rooms"].values())}
        for room, events in day["rooms"].items():
            for n, event in enumerate(events):
                event.update(room=room, title=marked(payload, f"i{n}"), subtitle=marked(payload))
                event.update(
                    abstract=marked(payload), description=marked(payload), track=marked(payload, "tr")
                )
                event["persons"] = [{**p, "public_name": marked(payload, "p")} for p in event["persons"]]
    for room in conference.get("rooms", []):
        room["name"] = marked(payload, "room")
    source = workdir / "schedule.json"
    source.write_text(json.dumps(schedule))
    # No venues file: the importer makes one venue named after the event, holding the source's rooms.
    import_schedule(str(source), out_dir=workdir / "event", near="52.52,13.40")
    return workdir / "event" / "venues.geojson", workdir / "event" / "program.json"


def make_event_app(workdir: Path, venues: Path, program: Path, now: str):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'event.db'}",
            "VENUES_FILE": str(venues),
            "PROGRAM_FILE": str(program),
            "EVENT_NOW": now,
        }
    )
    with app.app_context():
        upgrade()
        import_event(app.extensions["event"])
        create_staff("olga", PASSWORD, "organiser")
    return app


@pytest.fixture(scope="module", params=[(s, p) for s in ("files", "import") for p in PAYLOADS])
def event(request, tmp_path_factory):
    """An app on hostile data (data files or an import) with one payload; yield (app, payload, source)."""
    source, name = request.param
    payload = PAYLOADS[name]
    workdir = tmp_path_factory.mktemp(f"tpl-{source}-{name}")
    if source == "files":
        app = make_event_app(workdir, *hostile_files(workdir, payload), NOW)
    else:
        app = make_event_app(workdir, *hostile_import(workdir, payload), IMPORTED_NOW)
    with app.app_context():  # staff text too: a cancellation's reason and an announcement
        data = app.extensions["event"]
        cancelled, room = data.program.sessions[1].id, next(iter(data.rooms_by_id))
        apply_change({"kind": "cancel", "session": cancelled, "reason": marked(payload, "why")}, "olga")
        # in the event's own languages (an imported English event takes no Korean text)
        text = {lang: t for lang, t in both(marked(payload, "ann")).items() if lang in data.event.languages}
        apply_change({"kind": "announce", "text": text, "expires_in_minutes": 600}, "olga")
        apply_change({"kind": "room_status", "room": room, "status": "full"}, "olga")
    yield app, payload, source
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- what is rendered ----------------------------------------------------------------------------


def paths_of(app) -> list[str]:
    """Return every page type and export of the app's event, with a few of each kind of id."""
    data = app.extensions["event"]
    sessions = [s.id for s in data.program.sessions]
    online = [s.id for s in data.program.sessions if not s.venue]
    venues = list(data.venues_by_id)
    rooms = list(data.rooms_by_id)[:3]
    return [
        "/",
        "/schedule",
        f"/schedule?venue={venues[0]}",
        *(f"/sessions/{s}" for s in sessions[:3] + online[:1]),
        *(f"/venues/{v}" for v in venues),
        *(f"/rooms/{r}" for r in rooms),
        *(f"/rooms/{r}?screen=1" for r in rooms),
        "/agenda",
        "/live",
        "/api/docs",
        "/staff/",
        "/staff/log",
        "/staff/log.csv",
        "/staff/signage",
        "/staff/venues/",
        "/staff/venues/venues.geojson",
        "/staff/accounts/",
        "/schedule.ics",
        f"/schedule.ics?venue={venues[0]}",
        f"/agenda.ics?ids={','.join(sessions[:5])}",
        "/schedule.xml",
        "/schedule.json",
        "/api/venues",
        "/api/sessions",
        f"/api/sessions/{sessions[0]}",
        "/api/sessions.geojson",
        "/api/changes?since=0",
    ]


def as_text(response) -> str:
    """Return a response's text as a reader gets it: HTML and XML unescaped, iCalendar unfolded."""
    body = response.get_data(as_text=True)
    kind = response.headers.get("Content-Type", "")
    if "calendar" in kind:
        return body.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")
    if "json" in kind:
        return json.dumps(json.loads(body), ensure_ascii=False)
    return html.unescape(body)


def evaluated(text: str, payload: str) -> list[str]:
    """Return each place where a marked payload was changed on its way to the page (with its context)."""
    found = []
    for match in re.finditer(re.escape("tpl["), text):
        after = text[match.end() : match.end() + len(payload) + 4]
        if not after.startswith(payload + "]tpl"):
            found.append(text[max(0, match.start() - 20) : match.end() + 80])
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_and_export_shows_template_syntax_in_the_data_as_text(event, lang) -> None:
    app, payload, source = event
    client = app.test_client()
    response, _ = login(client, "olga")
    assert response.status_code == 302
    client.get(f"/?lang={lang}")
    for path in paths_of(app):
        response = client.get(path)
        assert response.status_code == 200, f"{source} {lang} {path}: {response.status_code}"
        text = as_text(response)
        where = f"{source} {lang} {path}"
        assert f"[{payload}]" in text, f"{where}: the payload is not shown"
        changed = evaluated(text, payload)
        assert not changed, f"{where}: the payload was evaluated: {changed[0]!r}"
        # And the values themselves, wherever they would land.
        assert "<Config" not in text and "__builtins__" not in text, where
        assert "tpl[49 " not in text and f"[{os.getpid()}]" not in text, where


def test_the_map_sends_the_venues_as_data_never_as_script(event) -> None:
    app, payload, _ = event
    body = app.test_client().get("/?lang=en").get_data(as_text=True)
    script = re.search(r"<script nonce=\"[^\"]+\">(.*?)</script>", body, re.S).group(1)
    assert "tpl[" not in script  # folium's script holds no data at all
    data = json.loads(
        re.search(r'<script type="application/json" id="map-data">(.*?)</script>', body).group(1)
    )
    assert all(v["name"].startswith(f"tpl[{payload}]tpl") for v in data["venues"])
