"""Live equals reload: after any change, every open page shows exactly what a fresh load of it shows.

Table-driven: CHANGES lists every change kind (and the undo of each), PAGES every page type, both in
Korean and English. All pages stay open on one server in one browser; each change is posted once
through the staff API, and when every open page has applied it, each is compared with a fresh load of
the same URL at the same moment (the server's clock is fixed by EVENT_NOW): the visible text of its
content regions, every link's target, and the map's markers with their popups (read through Leaflet).
Toasts, the aria-live line and the connection dot are outside the compared regions.

A new page type or change kind is one more row. Each change is its own test, in order (the pages and
the program carry over from one to the next), so a failure names the kind, the page and the language.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RECORD_APPLIED, STAFF_NAME, STAFF_PASSWORD, BrowserSession, own_server
from tests.servers import post_change

NOW = "2023-11-30T14:00:00+09:00"
LANGS = ("en", "ko")
# On at 14:00 on 30 Nov: KINS Tower, 7F Auditorium, 13:00-14:30, hybrid, with a stream link.
S = "north-america-investment"
ROOM, OTHER_ROOM, OTHER_VENUE_ROOM = "kins-7f-auditorium", "kins-7f-meeting-room", "hip-seminar-room-a"
# Starred: two in KINS Tower one after the other, and one at the Healthcare Innovation Park.
STARRED = [S, "north-america-panel", "kosmi-digital-therapeutics"]
NEW = "pop-up-clinic"


@dataclass(frozen=True)
class PageType:
    """A page to keep open: its path, the regions compared, and what to do after each load."""

    name: str
    path: str
    regions: tuple[str, ...] = ("main", "#announcements")
    staff: bool = False


PAGES = [
    PageType("map", "/"),
    PageType("session", f"/sessions/{S}"),
    PageType("agenda", "/agenda"),
    PageType("live", "/live"),
    PageType("room", f"/rooms/{ROOM}"),
    PageType("room-screen", f"/rooms/{ROOM}?screen=1"),
    PageType("staff-session", "/staff/", regions=("#panel", "#rooms"), staff=True),
    PageType("schedule", "/schedule"),
    PageType("schedule-filtered", "/schedule?venue=kins-tower"),
    PageType("venue", "/venues/kins-tower"),
    PageType("other-venue", "/venues/healthcare-innovation-park"),
]


# The kinds the room clash check applies to (tests/live/test_clashes.py tests that check).
CLASH_CHECKED = {"move", "retime", "restore", "add", "undo"}


def undo(step: str) -> dict:
    return {"kind": "undo", "of": step}


# Each row: a name, and the change's body (an undo names the row it undoes).
CHANGES = [
    ("move-within-venue", {"kind": "move", "session": S, "room": OTHER_ROOM}),
    ("undo-move-within-venue", undo("move-within-venue")),
    ("move-to-another-venue", {"kind": "move", "session": S, "room": OTHER_VENUE_ROOM}),
    ("undo-move-to-another-venue", undo("move-to-another-venue")),
    ("retime", {"kind": "retime", "session": S, "start": "2023-11-30T13:30:00+09:00", "end": "2023-11-30T15:10:00+09:00"}),
    ("undo-retime", undo("retime")),
    ("delay", {"kind": "retime", "session": S, "delay_minutes": 75}),
    ("undo-delay", undo("delay")),
    ("cancel", {"kind": "cancel", "session": S, "reason": "Speaker unwell"}),
    ("undo-cancel", undo("cancel")),
    ("cancel-again", {"kind": "cancel", "session": S, "reason": "Speaker unwell"}),
    ("restore", {"kind": "restore", "session": S}),
    ("undo-restore", undo("restore")),
    ("restore-again", {"kind": "restore", "session": S}),
    ("add", {"kind": "add", "new_session": {
        "id": NEW, "title": {"ko": "긴급 상담 클리닉", "en": "Pop-up advice clinic"}, "track": "north-america",
        "speakers": [], "start": "2023-11-30T13:45:00+09:00", "end": "2023-11-30T15:00:00+09:00",
        "venue": "kins-tower", "room": OTHER_ROOM, "mode": "in_person", "stream_url": None, "language": "ko",
        "provenance": "sourced"}}),
    ("undo-add", undo("add")),
    ("room-full", {"kind": "room_status", "room": ROOM, "status": "full"}),
    ("undo-room-full", undo("room-full")),
    ("room-full-again", {"kind": "room_status", "room": ROOM, "status": "full"}),
    ("room-open", {"kind": "room_status", "room": ROOM, "status": "open"}),
    ("undo-room-open", undo("room-open")),
    ("stream-live", {"kind": "stream_status", "session": S, "status": "live"}),
    ("undo-stream-live", undo("stream-live")),
    ("stream-ended", {"kind": "stream_status", "session": S, "status": "ended"}),
    ("undo-stream-ended", undo("stream-ended")),
    ("announce", {"kind": "announce", "text": {"ko": "점심은 2층입니다", "en": "Lunch is on 2F"}, "venue": None, "expires_in_minutes": 600}),
    ("retract", {"kind": "retract", "of": "announce"}),
    ("undo-retract", undo("retract")),
    ("undo-announce", undo("announce")),
    ("room-open-again", {"kind": "room_status", "room": ROOM, "status": "open"}),
]  # fmt: skip

# What one page shows, read in the page: its regions' text and links, its map's markers and popups.
SNAPSHOT = """(regions) => {
  const norm = (text) => (text ?? "").replace(/\\s+/g, " ").trim();
  const shown = (node) => !node.closest("[hidden]");
  const links = (root) => [...root.querySelectorAll("a[href]")].filter(shown).map((a) => a.getAttribute("href"));
  const found = regions.flatMap((selector) => [...document.querySelectorAll(selector)]);
  // A live page's highlight of what just changed is, like a toast, not part of what the page says.
  const marks = [...document.querySelectorAll(".tag--changed")];
  for (const mark of marks) mark.hidden = true;
  const out = {
    text: found.map((node) => norm(node.innerText)),
    links: found.flatMap(links),
    struck: found.flatMap((node) => [...node.querySelectorAll("h1, a")].filter(shown)
      .filter((e) => getComputedStyle(e).textDecorationLine.includes("line-through")).map((e) => norm(e.textContent))),
  };
  for (const mark of marks) mark.hidden = false;
  const frame = document.querySelector("[data-map-name]");
  const map = frame && window[frame.dataset.mapName];
  if (map) {
    const layers = [];
    map.eachLayer((layer) => {
      if (layer instanceof L.Marker) {
        const content = layer.getPopup()?.getContent();
        const popup = content instanceof Element ? content : null;
        layers.push({
          at: layer.getLatLng(),
          label: norm(layer.getElement()?.textContent),
          popup: popup ? norm(popup.textContent) : String(content ?? ""),
          links: popup ? links(popup) : [],
        });
      } else if (layer instanceof L.Circle) {
        layers.push({ circle: layer.getLatLng(), radius: layer.getRadius() });
      }
    });
    out.map = layers.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    if (frame.dataset.focus !== undefined) {
      const c = map.getCenter();
      out.centre = [c.lat.toFixed(5), c.lng.toFixed(5)];
    }
  }
  return out;
}"""


# Whether a page shows the log up to seq: rendered at it, or applied it since (staff pages carry no seq).
CAUGHT_UP = """(seq) => {
  const data = document.getElementById("live-data");
  if (!data) return true;
  return Math.max(JSON.parse(data.textContent).seq, ...(window.appliedSeqs ?? [])) >= seq;
}"""


@dataclass
class OpenPage:
    """One page type in one language: the page kept open (live) and the one loaded afresh each time."""

    kind: PageType
    lang: str
    live: Page
    fresh: Page
    seqs: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> str:
        joiner = "&" if "?" in self.kind.path else "?"
        return f"{self.kind.path}{joiner}lang={self.lang}"


class Matrix:
    """Every page type in both languages, live and fresh, on one server and one browser."""

    def __init__(self, browser: Browser, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self.session = BrowserSession(browser)
        self.seqs: dict[str, int] = {}
        self.announcement: int | None = None
        # LIVE_RELOAD_PAGES=session,agenda narrows the matrix while working on one page (never in CI).
        only = set(filter(None, os.environ.get("LIVE_RELOAD_PAGES", "").split(",")))
        self.pages = [
            OpenPage(kind, lang, self._page(kind, lang), self._page(kind, lang))
            for lang in LANGS
            for kind in PAGES
            if not only or kind.name in only
        ]

    def _page(self, kind: PageType, lang: str) -> Page:
        page = self.session.new_page(locale="ko-KR" if lang == "ko" else "en-US")
        page.add_init_script(RECORD_APPLIED)
        page.add_init_script(
            f"localStorage.setItem('venue-live:sbic-2023:starred', {json.dumps(json.dumps(STARRED))})"
        )
        if kind.staff:
            page.goto(f"{self.base_url}/login?lang={lang}")
            page.locator("input[name=name]").fill(STAFF_NAME)
            page.locator("input[name=password]").fill(STAFF_PASSWORD)
            page.locator("form button[type=submit]").click()
            page.wait_for_url(f"{self.base_url}/staff/")
        return page

    def open_all(self) -> None:
        """Load every live page and wait until each is connected and shows its content."""
        self.load([p.live for p in self.pages], [p for p in self.pages])
        for p in self.pages:
            expect(p.live.locator("#conn")).to_have_attribute("data-state", "live", timeout=30_000)

    def load(self, pages: list[Page], opened: list[OpenPage]) -> None:
        """Navigate all pages at once (each in its own tab), then wait for each and prepare it."""
        for page, p in zip(pages, opened, strict=True):
            # The old document is marked, so that waiting for "loaded" cannot be answered by it.
            page.evaluate(
                "(url) => { window.leftBehind = true; location.href = url; }", f"{self.base_url}{p.path}"
            )
        for page, p in zip(pages, opened, strict=True):
            page.wait_for_function(
                "() => !window.leftBehind && document.readyState === 'complete' && !!document.querySelector('main')"
            )
            if p.kind.staff:
                expect(page.locator("#session-count")).not_to_be_empty()
                page.locator(f'#session-list li[data-session="{S}"] button.pick').click()
                expect(page.locator("#panel")).to_be_visible()
            if p.kind.name == "agenda":
                page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
        # Scripts that render after load (map, now/next, agenda): the pages loaded side by side, so one
        # wait covers them all (a wait per page cost 150 ms x 22 pages on every change).
        pages[0].wait_for_timeout(150)

    def body(self, name: str, data: dict) -> dict:
        """Return the change to post for a row: an undo or a retract names an earlier row."""
        if data["kind"] == "undo":
            return {"kind": "undo", "seq": self.seqs[data["of"]]}
        if data["kind"] == "retract":
            return {"kind": "retract", "announcement": self.announcement}
        return data

    def apply(self, name: str, data: dict) -> int:
        """Post one change; wait until every live page has applied it; return its seq."""
        body = self.body(name, data)
        if body["kind"] in CLASH_CHECKED:
            body = {**body, "allow_clash": True}  # this test is about pages, not the room clash check
        change = post_change(self.base_url, self.token, body)
        seq = change["seq"]
        self.seqs[name] = seq
        if data["kind"] == "announce":
            self.announcement = change["announcement"]
        for p in self.pages:
            p.live.wait_for_function(
                "(seq) => (window.appliedSeqs ?? []).includes(seq)", arg=seq, timeout=15_000
            )
        for p in self.pages:
            if p.kind.name == "agenda":
                p.live.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
        self.pages[0].live.wait_for_timeout(300)
        return seq

    def differences(self) -> list[str]:
        """Load every page afresh and compare it with its live twin; return each difference in words."""
        self.load([p.fresh for p in self.pages], self.pages)
        # A page is rendered at most half a second behind the log (webapp/web/pagecache.py) and its
        # socket brings it the rest: a fresh load is one that has caught up with the last change.
        head = max(self.seqs.values(), default=0)
        for p in self.pages:
            p.fresh.wait_for_function(CAUGHT_UP, arg=head, timeout=15_000)
        found = []
        for p in self.pages:
            live = p.live.evaluate(SNAPSHOT, list(p.kind.regions))
            fresh = p.fresh.evaluate(SNAPSHOT, list(p.kind.regions))
            for key in sorted(set(live) | set(fresh)):
                if live.get(key) != fresh.get(key):
                    found.append(
                        f"{p.kind.name} ({p.lang}) {key}: {first_difference(live.get(key), fresh.get(key))}"
                    )
        return found


def first_difference(live, fresh) -> str:
    """Return where live and fresh first differ, briefly."""
    if isinstance(live, list) and isinstance(fresh, list):
        for a, b in zip(live, fresh, strict=False):
            if a != b:
                return first_difference(a, b)
        return f"live has {len(live)} items, a fresh load {len(fresh)}"
    a, b = json.dumps(live, ensure_ascii=False), json.dumps(fresh, ensure_ascii=False)
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, start - 60)
    return f"live «…{a[lo : start + 100]}» ≠ reload «…{b[lo : start + 100]}»"


@pytest.fixture(scope="module")
def matrix(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    with own_server(tmp_path_factory.mktemp("live-equals-reload"), EVENT_NOW=NOW) as (base_url, token):
        built = Matrix(browser, base_url, token)
        try:
            built.open_all()
            yield built
        finally:
            built.session.close()


def test_every_open_page_equals_a_fresh_load_before_any_change(matrix: Matrix) -> None:
    differences = matrix.differences()
    assert differences == [], "before any change:\n" + "\n".join(differences)
    assert matrix.session.problems() == []


@pytest.mark.parametrize(("name", "data"), CHANGES, ids=[name for name, _ in CHANGES])
def test_after_each_change_every_open_page_equals_a_fresh_load(matrix: Matrix, name: str, data: dict) -> None:
    matrix.apply(name, data)
    differences = matrix.differences()
    assert differences == [], f"after {name}:\n" + "\n".join(differences)
    assert matrix.session.problems() == []
