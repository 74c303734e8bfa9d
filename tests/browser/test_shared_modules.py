"""The page's shared modules give the answers the server gives: now/next, walking minutes, words."""

import json
import urllib.request
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page

from webapp.program.hours import OPEN_ALL_UP_TO, hour_blocks
from webapp.program.queries import now_and_next
from webapp.walking import distance_label, walking_bands, walking_minutes
from webapp.web.i18n import place_text

SEOUL = ZoneInfo("Asia/Seoul")
# Moments across the event: before the first session, mid-morning, lunch, the evening, after midnight.
MOMENTS = [
    "2023-11-29T08:00:00+09:00",
    "2023-11-29T10:30:00+09:00",
    "2023-11-29T12:15:00+09:00",
    "2023-11-29T17:59:00+09:00",
    "2023-11-30T00:30:00+09:00",
    "2023-11-30T14:00:00+09:00",
]


@pytest.fixture
def module_page(browser_session, live_server: str) -> Page:
    """Return the schedule page, whose scripts load the shared modules."""
    page = browser_session.new_page()
    page.goto(f"{live_server}/schedule?lang=en", wait_until="networkidle")
    return page


def api_sessions(base_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{base_url}/api/sessions", timeout=10) as response:
        body = json.load(response)
    return body["sessions"] if isinstance(body, dict) else body


def server_now_next(sessions: list[dict], moment: str, limit: int) -> dict[str, list[str]]:
    """Return the ids the server's now_and_next picks from the API's sessions at moment."""
    stops = [
        SimpleNamespace(
            id=s["id"], start_at=datetime.fromisoformat(s["start"]), end_at=datetime.fromisoformat(s["end"])
        )
        for s in sessions
    ]
    nn = now_and_next(stops, datetime.fromisoformat(moment), SEOUL, limit=limit)
    return {"now": [s.id for s in nn.now], "next": [s.id for s in nn.next]}


@pytest.mark.parametrize("limit", [2, 6])
def test_now_next_module_picks_what_the_server_picks(module_page: Page, live_server: str, limit: int) -> None:
    sessions = api_sessions(live_server)
    in_browser = module_page.evaluate(
        """async ([sessions, moments, limit]) => {
            const { nowAndNext } = await import("/static/js/now-next.js");
            return moments.map((m) => {
                const nn = nowAndNext(sessions, new Date(m).getTime(), limit);
                return { now: nn.now.map((s) => s.id), next: nn.next.map((s) => s.id) };
            });
        }""",
        [sessions, MOMENTS, limit],
    )
    expected = [server_now_next(sessions, m, limit) for m in MOMENTS]
    assert in_browser == expected
    assert any(group["now"] for group in expected) and any(group["next"] for group in expected)


def test_walking_minutes_from_the_bands_match_the_server(module_page: Page) -> None:
    distances = [0, 1, 61.5, 61.6, 180, 999, 1820, 5000, 7384, 7385.9]
    minutes = module_page.evaluate(
        """async ([bands, distances]) => {
            const { walkingMinutes } = await import("/static/js/walk.js");
            return distances.map((d) => walkingMinutes(d, bands));
        }""",
        [walking_bands(), distances],
    )
    assert minutes == [walking_minutes(d) for d in distances[:-1]] + [None]  # past two hours: "more than"


def test_fill_and_pick_read_the_server_words(module_page: Page) -> None:
    got = module_page.evaluate(
        """async () => {
            const { fill, pick } = await import("/static/js/text.js");
            return [
                fill("%(title)s moved to %(place)s", { title: "Keynote", place: "Hall" }),
                fill("Delay by {n} min", { n: 5 }),
                pick({ ko: "기조연설", en: "Keynote" }),
                pick({ ko: "기조연설" }),
                pick({ de: "Eröffnung" }),
                pick(null),
            ];
        }"""
    )
    assert got == ["Keynote moved to Hall", "Delay by 5 min", "Keynote", "기조연설", "Eröffnung", ""]


def test_the_clock_module_keeps_the_moment_the_server_shows(module_page: Page) -> None:
    shown = module_page.evaluate(
        """async () => { const { now } = await import("/static/js/clock.js"); return now(); }"""
    )
    # The browser tests' server runs at EVENT_NOW, so the page's clock stands still there.
    assert datetime.fromtimestamp(shown / 1000, SEOUL) == datetime(2023, 11, 29, 10, 30, tzinfo=SEOUL)


def server_hour_blocks(sessions: list[dict], day: str, moment: str) -> dict:
    """Return the blocks (hour, state, open, still on, ids) and the 'Now' index hours.py gives."""
    stops = [
        SimpleNamespace(start_at=datetime.fromisoformat(s["start"]), end_at=datetime.fromisoformat(s["end"]))
        for s in sessions
    ]
    blocks, now_index = hour_blocks(
        stops, [s["id"] for s in sessions], date.fromisoformat(day), datetime.fromisoformat(moment), SEOUL
    )
    return {
        "blocks": [[b.hour, b.state, b.open, b.still_on, b.rows] for b in blocks],
        "nowIndex": now_index,
    }


def longer_day(sessions: list[dict]) -> list[dict]:
    """Return sessions with copies of each (new ids), so the day passes OPEN_ALL_UP_TO."""
    copies = [
        {**s, "id": f"{s['id']}-{n}"}
        for n in range(OPEN_ALL_UP_TO // max(len(sessions), 1) + 1)
        for s in sessions
    ]
    return sorted(
        sessions + copies,
        key=lambda s: (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]), s["id"]),
    )


@pytest.mark.parametrize("long", [False, True], ids=["short-day", "long-day"])
def test_hour_blocks_module_groups_as_the_server_does(
    module_page: Page, live_server: str, long: bool
) -> None:
    sessions = api_sessions(live_server)
    days = sorted({datetime.fromisoformat(s["start"]).astimezone(SEOUL).date().isoformat() for s in sessions})
    cases = []
    for day in days:
        on_day = sorted(
            (
                s
                for s in sessions
                if datetime.fromisoformat(s["start"]).astimezone(SEOUL).date().isoformat() == day
            ),
            key=lambda s: (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]), s["id"]),
        )
        cases += [(longer_day(on_day) if long else on_day, day, moment) for moment in MOMENTS]
    in_browser = module_page.evaluate(
        """async (cases) => {
            const { hourBlocks, listOrder } = await import("/static/js/hour-blocks.js");
            return cases.map(([sessions, day, moment]) => {
                const { blocks, nowIndex } = hourBlocks([...sessions].sort(listOrder), day, new Date(moment).getTime());
                return { blocks: blocks.map((b) => [b.hour, b.state, b.open, b.still_on, b.rows.map((s) => s.id)]), nowIndex };
            });
        }""",
        cases,
    )
    expected = [server_hour_blocks(*case) for case in cases]
    assert in_browser == expected
    states = {b[1] for case in expected for b in case["blocks"]}
    assert states == {"past", "now", "later"} and any(case["nowIndex"] is not None for case in expected)
    assert any(b[2] for case in expected for b in case["blocks"]) and any(
        not b[2] for case in expected for b in case["blocks"]
    )


def test_place_text_writes_a_place_as_the_server_does(module_page: Page) -> None:
    cases = [
        ["KINS Tower", "7F Auditorium", "Online"],
        ["KINS Tower", None, "Online"],
        ["킨스타워", "7층 대강당", "온라인"],
        [None, "7F Auditorium", "Online"],
        [None, None, "온라인"],
    ]
    got = module_page.evaluate(
        """async (cases) => {
            const { placeText } = await import("/static/js/text.js");
            return cases.map(([venue, room, online]) => placeText(venue, room, online));
        }""",
        cases,
    )
    assert got == [place_text(*case) for case in cases]
    assert got[0] == "KINS Tower · 7F Auditorium" and got[1] == "KINS Tower" and got[3] == "Online"


def test_distance_label_writes_a_distance_as_the_server_does(module_page: Page) -> None:
    metres = [0, 4, 5, 180, 994, 995, 999, 1000, 1049, 1050, 1250, 1450, 1460, 9950, 12345]
    got = module_page.evaluate(
        """async (metres) => {
            const { distanceLabel } = await import("/static/js/walk.js");
            return metres.map(distanceLabel);
        }""",
        metres,
    )
    assert got == [distance_label(m) for m in metres]
    # Halves up on both sides, and never "1000 m".
    assert got[5] == "1.0 km" and got[10] == "1.3 km" and got[12] == "1.5 km" and got[3] == "180 m"
