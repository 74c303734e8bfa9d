"""No byte breaks a page: control characters from anyone are refused where they come in (SQLite and PostgreSQL).

Each kind of text field a staff change carries gets each character the rule of webapp.text refuses, in
its middle: the change is a 400 naming the field, and nothing is written. Tab and line breaks are kept
where text runs over lines. Path segments, query parameters and the sign-in name get the same
characters: 404 or 400, never a 500 (PostgreSQL cannot even look up a NUL). Then every public page
and export is fetched, in both languages: no 5xx. Text an older version stored anyway (SQLite took NUL)
no longer breaks the frab export.
"""

import copy
import json
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from lxml import etree

from tests.conftest import ROOT
from tests.security.test_locked_doors import PUBLIC, url_for_rule
from tests.test_text import LINE_BREAKS, NOT_TEXT
from webapp.extensions import db
from webapp.live.log import head_seq
from webapp.models import Session
from webapp.staff.accounts import AccountError, create_staff, issue_token
from webapp.text import bad_character

PASSWORD = "control characters password"
CHARS = NOT_TEXT + LINE_BREAKS
GMP = next(s for s in json.loads((ROOT / "program.json").read_text())["sessions"] if s["id"] == "gmp-audit")


def _new_session(number: int, key: str, value) -> dict:
    """Return an 'add' change of a new session (a copy of gmp-audit) whose field at dotted key is value."""
    session = copy.deepcopy(GMP) | {"id": f"added-{number}", "speakers": [{"name": {"en": "Ada"}}]}
    session["links"] = [{"url": "https://example.org/slides", "title": "Slides"}]
    *path, last = [int(part) if part.isdigit() else part for part in key.split(".")]
    parent = session
    for part in path:
        parent = parent[part] if isinstance(part, int) else parent.setdefault(part, {})
    parent[last] = value
    # In gmp-audit's room at its time: a clash, which these tests allow (they are about the text).
    return {"kind": "add", "new_session": session, "allow_clash": True}


def _add(key: str):
    return lambda text, n: _new_session(n, key, text)


# field as the refusal names it -> (body with the text in that field, whether text there may run over lines)
FIELDS = {
    "reason": (lambda text, n: {"kind": "cancel", "session": "gmp-audit", "reason": text}, True),
    "text.ko": (lambda text, n: {"kind": "announce", "text": {"ko": text}, "expires_in_minutes": 60}, True),
    "text.en": (lambda text, n: {"kind": "announce", "text": {"en": text}, "expires_in_minutes": 60}, True),
    "stream_url": (
        lambda text, n: {
            "kind": "stream_status", "session": "keynote-ohno-machado", "status": "live",
            "stream_url": f"https://example.org/{text}",
        },
        False,
    ),
    "title.en": (_add("title.en"), True),
    "description.en": (_add("description.en"), True),
    "speakers.name.en": (_add("speakers.0.name.en"), True),
    "links.title": (_add("links.0.title"), True),
    "links.url": (lambda text, n: _new_session(n, "links.0.url", f"https://example.org/{text}"), False),
    "url": (lambda text, n: _new_session(n, "url", f"https://example.org/{text}"), False),
    "guid": (_add("guid"), False),
    "type": (_add("type"), False),
}  # fmt: skip
# One field of each kind gets every character: text in a change, text in a session's data, one line, a URL.
EVERY_CHARACTER = {"reason", "title.en", "guid", "stream_url"}
# Elsewhere: a sample of each kind of character (the rule itself is tested character by character in tests/test_text.py).
URL_CHARS = ["\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\ufffe", "\uffff"]
# The bytes of a lone surrogate, which no UTF-8 text holds: werkzeug reads them as U+FFFD, which is text.
SURROGATE_BYTES = "%ED%A0%80"


@pytest.fixture
def bearer(app):
    with app.app_context():
        create_staff("alice", PASSWORD)
        return {"Authorization": f"Bearer {issue_token('alice')}"}


def all_strings(value):
    """Yield every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


def public_urls(app) -> list[str]:
    """Return every public page and export (filled with real ids), the added sessions' pages too."""
    with app.app_context():
        added = db.session.scalars(sa.select(Session.id).where(Session.id.like("added-%"))).all()
    urls = [url_for_rule(rule) for method, rule in sorted(PUBLIC) if method == "GET"]
    urls += [f"/sessions/{ident}" for ident in added] + [f"/api/sessions/{ident}" for ident in added]
    urls += ["/schedule?day=2023-11-30", "/schedule.ics?venue=training-center", "/api/changes?since=0"]
    return [f"{url}{'&' if '?' in url else '?'}lang={lang}" for url in urls for lang in ("ko", "en")]


def test_each_text_field_refuses_each_control_character_and_every_page_still_loads(app, client, bearer):
    number, accepted = 0, 0
    for field, (body_for, multiline) in FIELDS.items():
        for char in CHARS if field in EVERY_CHARACTER else [*URL_CHARS, "\ud800"]:
            number += 1
            text = f"Speaker{char}ill"
            # Escaped as JSON allows (\\u0000, \\ud800): what any client can send.
            body = json.dumps(body_for(text, number))
            response = client.post("/api/changes", data=body, headers=bearer, content_type="application/json")
            code = f"U+{ord(char):04X}"
            if multiline and char in LINE_BREAKS:
                assert response.status_code == 201, (field, code, response.get_json())
                accepted += 1
                if field == "reason":  # restored, so the next cancel changes something
                    restore = {"kind": "restore", "session": "gmp-audit"}
                    assert client.post("/api/changes", json=restore, headers=bearer).status_code == 201
            else:
                assert response.status_code == 400, (field, code, response.get_json())
                message = re.sub(r"\[\d+\]", "", response.get_json()["message"])
                assert field in message and code in message, (field, code, message)
    # What was accepted holds no character the rule refuses; a CR was read as a newline.
    with app.app_context():
        assert head_seq() == accepted + len(LINE_BREAKS)  # and the restores
    for url in ("/api/changes?since=0", "/api/sessions"):
        texts = list(all_strings(client.get(url).get_json()))
        assert all(bad_character(t, multiline=True) is None and "\r" not in t for t in texts), url
    for url in public_urls(app):
        assert client.get(url).status_code < 500, url
    titles = etree.fromstring(client.get("/schedule.xml?lang=en").data).xpath("//event/title/text()")
    assert "Speaker\till" in titles and "Speaker\nill" in titles


def test_a_path_segment_with_a_control_character_is_404_not_500(client):
    rules = [rule for method, rule in sorted(PUBLIC) if method == "GET" and "<" in rule]
    assert len(rules) >= 6
    for escaped in [quote(char, safe="") for char in URL_CHARS] + [SURROGATE_BYTES]:
        for rule in rules:
            url = re.sub(r"<[^>]+>", f"x{escaped}y", rule)
            response = client.get(url)
            assert response.status_code in (400, 404), (url, response.status_code)
            if url.startswith("/api/"):
                assert set(response.get_json()) == {"error", "message"}


def test_a_long_static_path_is_404_not_500(client):
    assert client.get("/static/" + "a" * 5000).status_code == 404
    assert client.get("/static/" + "/".join(["a" * 255] * 20)).status_code == 404


FILTERS = [
    "/schedule.ics?venue={}",
    "/schedule.ics?room={}",
    "/schedule?venue={}",
    "/schedule?room={}",
    "/schedule?track={}",
    "/schedule?day={}",
    "/api/sessions?venue={}",
    "/api/sessions?room={}",
    "/api/travel?from=kins-tower&to={}",
    "/api/agenda?ids={}",
    "/agenda.ics?ids={}",
    "/?at={}",
    "/?lang={}",
    "/login?next={}",
    "/schedule.ics?{}=1",
    # Every other parameter a route reads (each reaches the database, a parser or a page).
    "/api/sessions?day={}",
    "/api/sessions?track={}",
    "/api/changes?since={}",
    "/schedule.xml?lang={}",
    "/schedule.json?lang={}",
    "/sessions/gmp-audit?at={}",
    "/venues/kins-tower?at={}",
    "/rooms/kins-7f-auditorium?screen={}",
]


def test_a_query_parameter_with_a_control_character_is_400_naming_it(client):
    for char in URL_CHARS:
        for pattern in FILTERS:
            url = pattern.format(f"x{quote(char, safe='')}y")
            response = client.get(url)
            assert response.status_code == 400, (url, response.status_code)
            if url.startswith("/api/"):
                assert "query parameter" in response.get_json()["message"]
        assert client.get(pattern.format(SURROGATE_BYTES)).status_code < 500
    # Every public route takes the same check (a filter added later is covered too).
    for method, rule in sorted(PUBLIC):
        if method == "GET":
            assert client.get(url_for_rule(rule) + "?venue=%00").status_code == 400, rule


def _login_form(client) -> str:
    form = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)


def test_a_control_character_in_the_sign_in_name_is_400_naming_the_field(app, client, bearer):
    for char in (c for c in CHARS if not "\ud800" <= c <= "\udfff"):  # a form's bytes cannot hold one
        data = {"name": f"al{char}ice", "password": PASSWORD, "csrf_token": _login_form(client)}
        response = client.post("/login?lang=en", data=data)
        assert response.status_code == 400, (f"U+{ord(char):04X}", response.status_code)
        assert "Name: " in response.get_data(as_text=True)
    signed_in = client.post(
        "/login", data={"name": "alice", "password": PASSWORD, "csrf_token": _login_form(client)}
    )
    assert signed_in.status_code == 302


def test_staff_filters_with_a_control_character_are_400(app, client, bearer):
    data = {"name": "alice", "password": PASSWORD, "csrf_token": _login_form(client)}
    assert client.post("/login", data=data).status_code == 302
    for url in (
        "/staff/log?session=%00",
        "/staff/log?by=%00",
        "/staff/log.csv?by=%00",
        "/staff/signage?venue=%00",
    ):
        assert client.get(url).status_code == 400, url


def test_text_stored_by_an_older_version_does_not_break_the_exports(app, client):
    # SQLite stored NUL before text was checked; PostgreSQL stores every other control character.
    with app.app_context():
        stored = "Speaker\x01ill\x00" if db.engine.dialect.name == "sqlite" else "Speaker\x01ill\x1b"
        values = {
            "status": "cancelled",
            "status_reason": stored,
            "stream_url": f"https://example.org/{stored}",
        }
        db.session.execute(sa.update(Session).where(Session.id == "gmp-audit").values(**values))
        db.session.commit()
    for url in ("/schedule.xml", "/schedule.json", "/schedule.ics", "/sessions/gmp-audit", "/api/sessions"):
        assert client.get(url).status_code == 200, url
    assert b"Speaker\x01ill" not in client.get("/schedule.xml").data  # dropped, the rest kept
    assert b"Speakerill" in client.get("/schedule.xml").data


def test_a_staff_name_with_a_control_character_cannot_be_created(app):
    # The name becomes every change's `by`: the staff log, its CSV and the sign-in form read it.
    with app.app_context():
        for char in ("\x1b", "\t", "\x85", "\u2028"):
            with pytest.raises(AccountError, match=f"U\\+{ord(char):04X}"):
                create_staff(f"al{char}ice", PASSWORD)
