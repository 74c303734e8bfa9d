"""The personal agenda: transfers, warnings and leave-by (webapp.travel.plan_agenda), its page and .ics."""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.travel.test_service import FakeVenue, venues  # noqa: F401  (the venues fixture)
from webapp.travel.service import plan_agenda

SEOUL = ZoneInfo("Asia/Seoul")
KINS_STATION_SIDE = (37.3671, 127.1080)  # Jeongja station, ~170 m from KINS Tower


@dataclass
class FakeSession:
    id: str
    start_at: datetime
    end_at: datetime
    venue_id: str | None
    status: str = "scheduled"


def at(hhmm: str, day: int = 29) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2023, 11, day, hour, minute, tzinfo=SEOUL)


def session(ident, start, end, venue, day=29, status="scheduled") -> FakeSession:
    return FakeSession(ident, at(start, day), at(end, day), venue, status)


def plan(sessions, venues, now="08:00", position=None):  # noqa: F811
    return plan_agenda(sessions, venues.values(), tz=SEOUL, now=at(now), position=position)


def transfers(result) -> dict[str, dict]:
    return {i["session"]: i["transfer"] for d in result["days"] for i in d["items"] if i["transfer"]}


def kins_then_park(venues, next_start: str):  # noqa: F811
    """Return the plan of 13:00-14:00 at KINS Tower, then next_start-15:00 at Healthcare Innovation Park."""
    first = session("a", "13:00", "14:00", "kins-tower")
    return plan([first, session("b", next_start, "15:00", "healthcare-innovation-park")], venues)


def test_an_impossible_transfer_is_warned_about(venues):  # noqa: F811
    # 14:00 KINS Tower -> 14:10 Healthcare Innovation Park: 1.8 km, about 30 min on foot.
    result = kins_then_park(venues, "14:10")
    leg = transfers(result)["b"]
    assert leg["problem"] == "late" and result["warnings"] == 1
    assert leg["gap_minutes"] == 10 and leg["walking_minutes"] == 30
    assert leg["distance_m"] == pytest.approx(1820, rel=0.02)
    assert leg["from_venue"] == "kins-tower" and leg["to_venue"] == "healthcare-innovation-park"
    assert datetime.fromisoformat(leg["from_end"]) == at("14:00")


def test_a_feasible_transfer_has_no_warning(venues):  # noqa: F811
    result = kins_then_park(venues, "14:30")
    leg = transfers(result)["b"]
    assert leg["problem"] is None and result["warnings"] == 0
    assert datetime.fromisoformat(leg["leave_by"]) == at("14:00")  # 14:30 less 30 min


def test_same_venue_back_to_back_needs_no_travel_and_overlaps_are_flagged(venues):  # noqa: F811
    result = plan(
        [
            session("a", "10:00", "11:00", "kins-tower"),
            session("b", "11:00", "12:00", "kins-tower"),
            session("c", "11:30", "12:30", "gravity-pangyo"),
        ],
        venues,
    )
    legs = transfers(result)
    assert legs["b"]["walking_minutes"] == 0 and legs["b"]["problem"] is None
    assert legs["c"]["problem"] == "overlap" and legs["c"]["from_session"] == "b"


def test_sessions_are_ordered_by_day_and_time_and_days_do_not_connect(venues):  # noqa: F811
    result = plan(
        [
            session("late", "15:00", "16:00", "kins-tower", day=30),
            session("early", "09:30", "10:00", "gravity-pangyo", day=30),
            session("first", "17:00", "18:00", "healthcare-innovation-park"),
        ],
        venues,
    )
    assert [d["day"] for d in result["days"]] == ["2023-11-29", "2023-11-30"]
    assert [i["session"] for d in result["days"] for i in d["items"]] == ["first", "early", "late"]
    assert set(transfers(result)) == {"late"}  # nothing links the 29th to the 30th


def test_cancelled_and_online_sessions_need_no_travel_and_keep_the_previous_venue(venues):  # noqa: F811
    result = plan(
        [
            session("a", "09:00", "10:00", "kins-tower"),
            session("gone", "10:00", "11:00", "training-center", status="cancelled"),
            session("web", "11:00", "12:00", None),
            session("b", "12:10", "13:00", "healthcare-innovation-park"),
        ],
        venues,
    )
    legs = transfers(result)
    assert set(legs) == {"b"}
    assert legs["b"]["from_session"] == "a" and legs["b"]["from_venue"] == "kins-tower"
    assert legs["b"]["problem"] is None  # 130 min between, 30 on foot


def test_leave_by_for_the_next_session_comes_from_the_previous_venue(venues):  # noqa: F811
    sessions = [
        session("a", "13:00", "14:00", "kins-tower"),
        session("b", "15:00", "16:00", "healthcare-innovation-park"),
    ]
    nxt = plan(sessions, venues, now="14:05")["next"]
    assert nxt["session"] == "b" and nxt["origin"] == "venue" and nxt["from_venue"] == "kins-tower"
    assert datetime.fromisoformat(nxt["leave_by"]) == at("14:30") and nxt["late"] is False
    late = plan(sessions, venues, now="14:45")["next"]
    assert late["late"] is True


def test_leave_by_uses_the_visitors_position_when_known(venues):  # noqa: F811
    sessions = [session("b", "15:00", "16:00", "kins-tower")]
    assert plan(sessions, venues, now="14:00")["next"] == {
        "session": "b",
        "start": at("15:00").isoformat(),
        "origin": None,
    }
    nxt = plan(sessions, venues, now="14:00", position=KINS_STATION_SIDE)["next"]
    assert nxt["origin"] == "position" and nxt["walking_minutes"] == 3
    assert datetime.fromisoformat(nxt["leave_by"]) == at("15:00") - timedelta(minutes=3)


def test_next_skips_cancelled_and_past_sessions(venues):  # noqa: F811
    sessions = [
        session("past", "09:00", "10:00", "kins-tower"),
        session("gone", "11:00", "12:00", "kins-tower", status="cancelled"),
        session("web", "13:00", "14:00", None),
    ]
    nxt = plan(sessions, venues, now="10:30")["next"]
    assert nxt["session"] == "web" and nxt["origin"] == "online" and "leave_by" not in nxt
    assert plan(sessions, venues, now="15:00")["next"] is None


# --- The API, the page and the .ics -------------------------------------------------------------


def test_agenda_page_carries_its_words_with_placeholders(client):
    response = client.get("/agenda?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    data = json.loads(re.search(r'id="agenda-data">(.*?)</script>', page, re.S).group(1))
    assert "%(from_venue)s" in data["labels"]["late"] and "you will be late" in data["labels"]["late"]
    assert data["days"]["2023-11-29"] and data["at"] is None
    assert set(data["venues"]) == {
        "gravity-pangyo",
        "healthcare-innovation-park",
        "kins-tower",
        "training-center",
    }
    assert 'id="agenda-locate"' in page and 'id="agenda-ics"' in page
    moved = client.get("/agenda?at=2023-11-30T09:00").get_data(as_text=True)
    assert '"at": "2023-11-30T09:00:00+09:00"' in moved
