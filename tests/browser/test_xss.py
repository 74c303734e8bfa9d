"""Stored text is shown as text: XSS payloads in every field staff or the data files can fill run nothing.

The server runs on copies of the data files whose titles, names, rooms, addresses, speakers and stream
URLs are payloads; a staff member whose name is a payload posts cancellations, announcements and moves
whose text is a payload. Every page, popup, toast, banner, the staff log, the signage and the exports
are opened; a page fails if a payload ran (a sentinel function and a dialog listener), if a payload
became an element (so escaping is checked, not only the Content-Security-Policy), or if the payload's
text is not on the page as text. A second server runs an event made by the importer (webapp/sources,
as it is) from a c3voc schedule whose titles, abstracts, track and person names are payloads and whose
links are `javascript:` URLs or break out of an attribute: its pages and exports are checked the same way.
"""

import json
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from tests.browser.conftest import RECORD_APPLIED, ROOT, next_change_applied, own_server, settled, sign_in
from tests.servers import post_change, run_flask
from tests.sources.conftest import EXAMPLES, venues_for
from webapp.sources.convert import import_schedule

# Each payload calls xss(n) (the sentinel) or alert() (the dialog listener) if it ever runs.
P = "\"'><img src=x onerror=xss(1)><svg onload=xss(2)></script><script>xss(3)</script>javascript:alert(4)"
SHORT = "<img src=x onerror=xss(5)>\"'<b>"  # for short fields (short names, the staff name)
STAFF = f"{SHORT}staff"
STREAM = 'https://example.org/"><script>xss(6)</script>'
SENTINEL = """
window.xssRan = [];
window.xss = (n) => window.xssRan.push(n);
"""
# Elements a payload would have created, had it been parsed as HTML.
INJECTED = (
    "img[src='x'], svg[onload], [onerror], [onload], b, script:not([src]):not([type='application/json'])"
    ":not([nonce]), a[href^='javascript:']"
)
CANCELLED, MOVED, ROOM, VENUE = "gmp-audit", "ivd-panel", "kins-7f-auditorium", "kins-tower"
NOW = "2023-11-29T10:30:00+09:00"


def hostile_files(workdir: Path) -> tuple[Path, Path]:
    """Write copies of the embedded event's files with a payload in every text field people read."""
    venues = json.loads((ROOT / "venues.geojson").read_text())
    program = json.loads((ROOT / "program.json").read_text())
    both = lambda text: {"ko": f"{text} 한", "en": text}  # noqa: E731
    for n, feature in enumerate(venues["features"]):
        props = feature["properties"]
        props["name"], props["short_name"], props["address"] = both(f"{P} v{n}"), both(f"{SHORT}{n}"), both(P)
        props["station"]["name"] = both(P)
        for hint in props.get("transit_hints", {}):
            props["transit_hints"][hint] = both(P)
        for m, room in enumerate(props["rooms"]):
            room["name"] = both(f"{P} r{n}.{m}")
    program["event"]["name"], program["event"]["short_name"] = both(P), both(SHORT)
    for track in program["tracks"]:
        track["name"] = both(f"{P} {track['id']}")
    for n, session in enumerate(program["sessions"]):
        session["title"], session["description"] = both(f"{P} s{n}"), both(P)
        if session.get("note"):
            session["note"] = both(P)
        for speaker in session["speakers"]:
            speaker["name"], speaker["affiliation"] = both(P), both(P)
        if session["stream_url"]:
            session["stream_url"] = STREAM
    paths = workdir / "venues.geojson", workdir / "program.json"
    paths[0].write_text(json.dumps(venues, ensure_ascii=False))
    paths[1].write_text(json.dumps(program, ensure_ascii=False))
    return paths


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on the hostile files, with changes posted by a staff member whose name is a payload."""
    workdir = tmp_path_factory.mktemp("xss")
    venues, program = hostile_files(workdir)
    env = {"VENUES_FILE": str(venues), "PROGRAM_FILE": str(program), "EVENT_NOW": NOW}
    with own_server(workdir, **env) as (base_url, _):
        db_env = {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}", **env}
        run_flask(["staff", "create", STAFF], db_env, stdin="hostile staff password\n")
        token = run_flask(["staff", "token", STAFF], db_env).strip()
        post_change(base_url, token, {"kind": "cancel", "session": CANCELLED, "reason": P})
        post_change(base_url, token, {"kind": "announce", "text": both_text(P), "expires_in_minutes": 600})
        post_change(
            base_url,
            token,
            {"kind": "announce", "text": both_text(P), "venue": VENUE, "expires_in_minutes": 600},
        )
        post_change(base_url, token, {"kind": "move", "session": MOVED, "room": "kins-7f-meeting-room"})
        post_change(base_url, token, {"kind": "room_status", "room": ROOM, "status": "full"})
        yield base_url, token


def both_text(text: str) -> dict[str, str]:
    return {"ko": f"{text} 한", "en": text}


def watched(browser_session) -> Page:
    page = browser_session.new_page()
    page.add_init_script(SENTINEL)
    page.add_init_script(RECORD_APPLIED)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    return page


def assert_inert(page: Page, where: str, *, shows: str = P) -> None:
    """Nothing ran, nothing was injected, and the payload is on the page as text."""
    settled(page)  # an injected image would have loaded or failed by now, and its handler run
    assert page.evaluate("window.xssRan") == [], where
    assert page.dialogs == [], where
    injected = page.evaluate(f"[...document.querySelectorAll({json.dumps(INJECTED)})].map(e => e.outerHTML)")
    assert injected == [], where
    if shows:
        assert shows in page.evaluate("document.body.innerText"), where


ATTENDEE_PAGES = [
    "/",
    "/schedule",
    f"/sessions/{CANCELLED}",
    "/sessions/kosmi-online-terminology",
    f"/venues/{VENUE}",
    "/live",
    f"/rooms/{ROOM}",
    "/agenda",
]


@pytest.mark.parametrize("path", ATTENDEE_PAGES)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_attendee_pages_show_payloads_as_text(browser_session, server, path, lang) -> None:
    base_url, _ = server
    page = watched(browser_session)
    # Every session starred, so the agenda lists them all.
    page.add_init_script(
        "localStorage.setItem('venue-live:sbic-2023:starred', JSON.stringify("
        + json.dumps([CANCELLED, MOVED, "kosmi-online-terminology", "opening-ceremony"])
        + "))"
    )
    page.goto(f"{base_url}{path}?lang={lang}")
    expect(page.locator("main")).to_be_visible()
    assert_inert(page, path, shows=P if lang == "en" else f"{P} 한")


def assert_popups_inert(browser_session, base_url: str) -> None:
    """Open each venue's popup on the map: each shows the payload as text, and nothing runs."""
    page = watched(browser_session)
    page.goto(f"{base_url}/?lang=en")
    markers = page.locator(".leaflet-marker-icon.venue-marker")
    expect(markers).not_to_have_count(0)
    for n in range(markers.count()):
        markers.nth(n).dispatch_event("click")
        popup = page.locator(".leaflet-popup-content").last
        expect(popup).to_contain_text(P)
        assert_inert(page, f"popup {n}")


def test_map_popups_show_payloads_as_text(browser_session, server) -> None:
    assert_popups_inert(browser_session, server[0])


def test_toasts_and_banners_show_payloads_as_text(browser_session, server) -> None:
    base_url, token = server
    page = watched(browser_session)
    page.goto(f"{base_url}/?lang=en")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    expect(page.locator("#announcements")).to_contain_text(P)
    post_change(base_url, token, {"kind": "cancel", "session": "ivd-community", "reason": P})
    expect(page.locator("#toasts")).to_contain_text(P)
    announcement = {"kind": "announce", "text": both_text(P), "expires_in_minutes": 600}
    next_change_applied(page, base_url, token, announcement)  # shown, and a frame and a task after that
    assert_inert(page, "toasts and banners")


@pytest.mark.parametrize("path", ["/staff/", "/staff/log", "/staff/signage"])
def test_staff_pages_show_payloads_as_text(browser_session, server, path) -> None:
    base_url, _ = server
    page = watched(browser_session)
    sign_in(page, base_url)
    page.goto(f"{base_url}{path}?lang=en")
    expect(page.locator("main")).to_be_visible()
    assert_inert(page, path)
    if path == "/staff/log":
        assert STAFF in page.evaluate("document.body.innerText")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", 'https://example.org/"\r\n<script>xss(6)</script>', "https://a\\@example.org/"],
)
def test_a_stream_url_that_is_not_an_https_url_is_refused(server, url) -> None:
    base_url, token = server
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_change(base_url, token, {"kind": "stream_status", "session": "kosmi-online-terminology",
                                      "status": "live", "stream_url": url})  # fmt: skip
    assert refused.value.code == 400
    assert "'stream_url'" in json.load(refused.value)["message"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/schedule.xml", "xml"),
        ("/schedule.json", "json"),
        ("/api/sessions", "json"),
        ("/schedule.ics", "ics"),
    ],
)
def test_exports_carry_payloads_as_data_never_as_a_page(browser_session, server, path, kind) -> None:
    base_url, _ = server
    page = watched(browser_session)
    response = page.request.get(f"{base_url}{path}")
    assert response.ok and "html" not in response.headers["content-type"]
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.body()
    if kind == "xml":
        titles = etree.fromstring(body).xpath("//event/title/text()")
        assert any(t.startswith(P) for t in titles)
    elif kind == "json":
        assert P in json.dumps(json.loads(body), ensure_ascii=False)
    else:
        assert "SUMMARY:" in body.decode() and "<script>" in body.decode()  # text/calendar: plain data
    if kind == "json":  # Chromium shows JSON itself, as text (the XML and iCal types are downloads)
        page.goto(f"{base_url}{path}")
        assert_inert(page, path, shows="")


# --- an imported schedule whose text is hostile ---------------------------------------------------

IMPORTED_NOW = "2020-12-14T09:10:00+01:00"  # during the first talks of the example (pretalx DemoCon)
HOSTILE_LINK = 'https://example.org/"><script>xss(8)</script>'


def hostile_schedule() -> dict:
    """Return the pretalx example (c3voc schedule JSON) with a payload in every text it carries."""
    schedule = json.loads((EXAMPLES / "pretalx-democon.json").read_text())
    conference = schedule["schedule"]["conference"]
    conference["title"] = P
    for day in conference["days"]:
        for events in day["rooms"].values():
            for n, event in enumerate(events):
                event.update(title=f"{P} i{n}", subtitle=P, abstract=P, description=P, track=f"{P} t{n % 3}")
                event["persons"] = [
                    {**person, "public_name": P, "biography": P} for person in event["persons"]
                ]
                event["links"] = [
                    {"url": "javascript:alert(7)", "title": P},
                    {"url": HOSTILE_LINK, "title": P},
                ]
                event["url"] = "javascript:xss(9)"
    return schedule


@pytest.fixture(scope="module")
def imported_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A server on the event the importer made from the hostile schedule; yields its URL and session ids."""
    workdir = tmp_path_factory.mktemp("xss-import")
    source, venues = workdir / "schedule.json", workdir / "venues-in.geojson"
    source.write_text(json.dumps(hostile_schedule()))
    venues.write_text(json.dumps(venues_for("pretalx-democon.json")))
    import_schedule(str(source), venues, out_dir=workdir / "event")
    program = json.loads((workdir / "event" / "program.json").read_text())
    ids = [s["id"] for s in program["sessions"]]
    env = {
        "VENUES_FILE": str(workdir / "event" / "venues.geojson"),
        "PROGRAM_FILE": str(workdir / "event" / "program.json"),
        "EVENT_NOW": IMPORTED_NOW,
    }
    with own_server(workdir, **env) as (base_url, _token):
        yield base_url, ids


IMPORTED_PAGES = [
    "/",
    "/schedule",
    "/sessions/{first}",
    "/venues/democon-hall",
    "/rooms/room-0",
    "/live",
    "/agenda",
]


@pytest.mark.parametrize("path", IMPORTED_PAGES)
def test_an_imported_schedules_text_is_shown_as_text(browser_session, imported_server, path) -> None:
    base_url, ids = imported_server
    page = watched(browser_session)
    page.add_init_script(
        f"localStorage.setItem('venue-live:democon:starred', {json.dumps(json.dumps(ids[:4]))})"
    )
    page.goto(f"{base_url}{path.format(first=ids[0])}?lang=en")
    expect(page.locator("main")).to_be_visible()
    assert_inert(page, path, shows="" if path == "/live" else P)  # nothing streams: /live lists no session


def test_an_imported_schedules_popups_show_text(browser_session, imported_server) -> None:
    assert_popups_inert(browser_session, imported_server[0])


@pytest.mark.parametrize("path", ["/schedule.json", "/api/sessions", "/schedule.xml"])
def test_an_imported_schedules_exports_carry_payloads_as_data(browser_session, imported_server, path) -> None:
    base_url, _ids = imported_server
    page = watched(browser_session)
    response = page.request.get(f"{base_url}{path}")
    assert response.ok and "html" not in response.headers["content-type"]
    body = response.body().decode()
    assert "javascript:alert(7)" not in body and "javascript:xss(9)" not in body  # dropped by the importer
    if path == "/schedule.xml":
        titles = etree.fromstring(response.body()).xpath("//event/title/text()")
        assert titles and all(t.startswith(P) for t in titles)
    else:
        assert P in json.dumps(json.loads(body), ensure_ascii=False)
        page.goto(f"{base_url}{path}")
        assert_inert(page, path, shows="")
