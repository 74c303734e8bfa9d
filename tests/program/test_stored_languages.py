"""A German and English congress keeps each wording through the database: its pages and its API read
them by the one fallback rule (the asked language, else the event's languages in order, else any)."""

import json
import re
from pathlib import Path

import lxml.html
import pytest

from tests.sources.conftest import imported_files
from tests.staff.test_auth import PASSWORD, login
from webapp.extensions import db
from webapp.models import Session, Venue
from webapp.staff.accounts import create_staff, issue_token

ENGLISH = "Hacking Containers and Kubernetes"
GERMAN = "Container und Kubernetes hacken"
VENUE = {"de": "Ziegeleipark Mildenberg", "en": "Mildenberg Brickworks Park"}


@pytest.fixture
def congress(make_app, tmp_path):
    """The Camp 2019 schedule, imported, as a German-first event whose one session is titled in both."""
    files = imported_files("frab-camp2019.json", tmp_path)
    program_file = Path(files["PROGRAM_FILE"])
    program = json.loads(program_file.read_text())
    program["event"]["languages"] = ["de", "en"]
    session = next(s for s in program["sessions"] if s["title"].get("en") == ENGLISH)
    session["title"] = {"de": GERMAN, "en": ENGLISH}
    program_file.write_text(json.dumps(program, ensure_ascii=False))
    return make_app(**files), session["id"]


def heading(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True)).xpath("//h1")[0].text_content().strip()


def test_the_german_wording_survives_the_database(congress):
    app, ident = congress
    with app.app_context():
        assert db.session.get(Session, ident).titles == {"de": GERMAN, "en": ENGLISH}
        assert db.session.get(Venue, "ziegeleipark").names == VENUE


def test_the_api_gives_the_title_in_each_language(congress):
    app, ident = congress
    title = app.test_client().get(f"/api/sessions/{ident}").get_json()["title"]
    # Korean, which the event lacks, reads as the event's first language; the data's own follow.
    assert title == {"ko": GERMAN, "en": ENGLISH, "de": GERMAN}


def test_a_page_shows_the_title_the_rule_picks_for_its_language(congress):
    app, ident = congress
    client = app.test_client()
    assert heading(client, f"/sessions/{ident}?lang=en") == ENGLISH
    assert heading(client, f"/sessions/{ident}?lang=ko") == GERMAN


def test_the_posters_name_the_venue_in_german_and_english(congress):
    app, _ident = congress
    with app.app_context():
        create_staff("alice", PASSWORD)
    client = app.test_client()
    assert login(client, "alice")[0].status_code == 302
    page = client.get("/staff/signage?lang=en").get_data(as_text=True)
    shown = re.sub(r"\s+", " ", lxml.html.fromstring(page).text_content())
    assert VENUE["de"] in shown and VENUE["en"] in shown


def test_an_announcement_is_taken_in_the_events_languages_and_refused_in_another(congress):
    app, _ident = congress
    with app.app_context():
        create_staff("alice", PASSWORD)
        bearer = {"Authorization": f"Bearer {issue_token('alice')}"}
    client = app.test_client()
    text = client.get("/api/openapi.json").get_json()["components"]["schemas"]["Announce"]["properties"][
        "text"
    ]
    assert text["propertyNames"] == {"enum": ["de", "en"]}
    post = lambda text: client.post(  # noqa: E731
        "/api/changes", json={"kind": "announce", "text": text, "expires_in_minutes": 30}, headers=bearer
    )
    refused = post({"de": "Mittagessen im Zelt", "ko": "점심"})
    assert refused.status_code == 400
    assert refused.get_json()["message"] == "'text.ko' is not one of the event's languages (de, en)."
    made = post({"de": "Mittagessen im Zelt"})
    assert made.status_code == 201
    shown = client.get("/api/changes?since=0").get_json()["announcements"]
    assert [a["text"]["de"] for a in shown] == ["Mittagessen im Zelt"]
