"""Program queries: what is on now and next, by venue, by room, by day."""

from datetime import date, datetime

import pytest

from webapp.program.queries import list_sessions, now_and_next, now_next_by_key, parse_filters
from webapp.web.clock import parse_moment, resolve_clock


def on_at(app, moment, venue_id):
    event = app.extensions["event"]
    now = parse_moment(moment, event.tz)
    with app.app_context():
        sessions = list_sessions(event.tz, day=now.date(), venue_id=venue_id)
        found = now_and_next(sessions, now, event.tz)
        return [s.id for s in found.now], [s.id for s in found.next]


@pytest.mark.parametrize(
    ("moment", "venue_id", "now", "next_"),
    [
        ("2023-11-29T10:30", "gravity-pangyo", ["exhibition-day1", "business-day1-am"], ["business-day1-pm"]),
        ("2023-11-29T16:30", "gravity-pangyo", ["exhibition-day1", "opening-ceremony"], []),
        ("2023-11-29T12:30", "kins-tower", [], ["medical-data-hospitals", "medical-data-panel"]),
        (
            "2023-11-30T10:30",
            "healthcare-innovation-park",
            ["kosmi-pseudonymisation", "keynote-park-hyun-young"],
            [],
        ),
        ("2023-12-01T10:00", "healthcare-innovation-park", ["keynote-ohno-machado"], []),
        ("2023-12-01T23:00", "kins-tower", [], []),
        ("2023-11-29T08:00", "training-center", [], ["dentistry-keynote", "dentistry-workflow-demo"]),
    ],
)
def test_now_and_next_at_several_times(app, moment, venue_id, now, next_):
    found_now, found_next = on_at(app, moment, venue_id)
    assert sorted(found_now) == sorted(now)
    assert found_next[: len(next_)] == next_


def test_a_session_ending_now_is_not_on_now(app):
    found_now, _ = on_at(app, "2023-11-29T17:00", "gravity-pangyo")
    assert "opening-ceremony" not in found_now


def test_next_stays_within_the_same_day(app):
    _, found_next = on_at(app, "2023-11-29T17:10", "kins-tower")
    assert found_next == []


def test_online_sessions_group_under_no_venue(app):
    event = app.extensions["event"]
    now = parse_moment("2023-11-29T11:30", event.tz)
    with app.app_context():
        groups = now_next_by_key(
            list_sessions(event.tz, day=now.date()), [None], lambda s: s.venue_id, now, event.tz
        )
    assert [s.id for s in groups[None].now] == ["kosmi-online-terminology"]


def test_sessions_by_day_stay_in_the_event_time_zone(app):
    event = app.extensions["event"]
    with app.app_context():
        first = list_sessions(event.tz, day=date(2023, 11, 29))
        assert first and all(s.start_at.astimezone(event.tz).date() == date(2023, 11, 29) for s in first)
        assert [s.start_at for s in first] == sorted(s.start_at for s in first)
        room = list_sessions(event.tz, room_id="kins-7f-auditorium")
        assert {s.room_id for s in room} == {"kins-7f-auditorium"}
        assert {s.track_id for s in list_sessions(event.tz, track_id="keynote")} == {"keynote"}


def test_parse_filters_names_the_bad_argument(app):
    event = app.extensions["event"]
    assert parse_filters({"day": "2023-11-30", "venue": "kins-tower"}, event) == {
        "day": date(2023, 11, 30),
        "venue_id": "kins-tower",
    }
    with pytest.raises(ValueError, match="day must be one of 2023-11-29"):
        parse_filters({"day": "2023-11-28"}, event)
    with pytest.raises(ValueError, match="venue 'moon' is not known"):
        parse_filters({"venue": "moon"}, event)


def test_clock_outside_the_event_shows_the_first_day(app):
    event = app.extensions["event"]
    clock = resolve_clock(
        event.event.days,
        event.tz,
        event.first_start,
        real_now=datetime.fromisoformat("2026-11-25T12:00+00:00"),
    )
    assert clock.source == "substituted" and not clock.during_event
    assert clock.now.isoformat() == "2023-11-29T09:30:00+09:00"


def test_clock_prefers_at_then_event_now(app):
    event = app.extensions["event"]
    args = (event.event.days, event.tz, event.first_start)
    real = datetime.fromisoformat("2023-11-30T03:00+00:00")
    assert resolve_clock(*args, real_now=real).source == "real"
    configured = parse_moment("2023-12-01T10:00+09:00", event.tz)
    assert resolve_clock(*args, real_now=real, configured=configured).now == configured
    requested = parse_moment("2023-11-29T12:00", event.tz)
    clock = resolve_clock(*args, real_now=real, configured=configured, requested=requested)
    assert clock.source == "requested" and clock.now.isoformat() == "2023-11-29T12:00:00+09:00"
