"""An iCalendar file imports one session per timed VEVENT; all-day and untitled events are reported."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from webapp.sources.convert import import_schedule


@pytest.fixture
def calendar_file(tmp_path):
    """Write a small German/English calendar with one all-day and one overnight event."""
    berlin = ZoneInfo("Europe/Berlin")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "FrOSCon Test")
    cal.add("x-wr-timezone", "Europe/Berlin")
    rows = [
        (
            "talk-1@example.org",
            "Keynote",
            datetime(2025, 8, 16, 10, 0, tzinfo=berlin),
            timedelta(hours=1),
            "Saal 1",
        ),
        (
            "talk-2@example.org",
            "Nachtschicht",
            datetime(2025, 8, 16, 23, 30, tzinfo=berlin),
            timedelta(hours=2),
            "Saal 1",
        ),
        ("talk-3@example.org", "Doors open", datetime(2025, 8, 17, 9, 0), timedelta(0), "Saal 1"),
    ]
    for uid, summary, start, length, room in rows:
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("summary", summary)
        event.add("dtstart", start)
        event.add("dtend", start + length)
        event.add("location", room)
        cal.add_component(event)
    all_day = icalendar.Event()
    all_day.add("uid", "camping@example.org")
    all_day.add("summary", "Camping")
    all_day.add("dtstart", date(2025, 8, 16))
    cal.add_component(all_day)
    path = tmp_path / "froscon.ics"
    path.write_bytes(cal.to_ical())
    return path


def test_calendar_imports_timed_events_and_reports_the_all_day_one(tmp_path, calendar_file, write_venues):
    summary, schedule = import_schedule(
        str(calendar_file), write_venues("hub-schedule2.json"), out_dir=tmp_path / "out"
    )
    assert schedule.timezone == "Europe/Berlin"
    assert summary.sessions == 3
    assert summary.skipped == ["event 'Camping': it lasts all day (no time of day)"]
    assert "1 overnight sessions (kept; each is listed on the day it starts)" in summary.notes
    assert "1 zero-length sessions (kept: start equals end)" in summary.notes
    # A floating time is read in the calendar's own zone.
    doors = next(s for s in schedule.sessions if s.title == "Doors open")
    assert doors.start.isoformat() == "2025-08-17T09:00:00+02:00"
