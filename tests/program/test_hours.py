"""A long day in hour blocks: past hours folded, this hour and the next open, the rest folded."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from webapp.program.hours import OPEN_ALL_UP_TO, hour_blocks

TZ = ZoneInfo("Europe/Berlin")
DAY = date(2026, 12, 29)


def busy_day(rooms: int = 10):
    """Return sessions and their views: one an hour in each room, 10:00 to 19:00, two hours long."""
    sessions = []
    for hour in range(10, 20):
        for _room in range(rooms):
            start = datetime(2026, 12, 29, hour, 0, tzinfo=TZ)
            sessions.append(SimpleNamespace(start_at=start, end_at=start + timedelta(hours=2)))
    return sessions, [{"id": f"s{i}"} for i in range(len(sessions))]


def states(blocks):
    return {b.hour: (b.state, b.open) for b in blocks}


def test_a_long_day_opens_only_this_hour_and_the_next():
    sessions, views = busy_day()
    assert len(sessions) > OPEN_ALL_UP_TO
    blocks, now_index = hour_blocks(sessions, views, DAY, datetime(2026, 12, 29, 14, 20, tzinfo=TZ), TZ)
    assert blocks[now_index].hour == 14
    assert states(blocks)[13] == ("past", False) and blocks[3].still_on == 10
    assert states(blocks)[14] == ("now", True) and states(blocks)[15] == ("later", True)
    assert [h for h, (_, is_open) in states(blocks).items() if is_open] == [14, 15]
    assert sum(len(b.rows) for b in blocks) == len(sessions)


def test_a_past_day_is_all_folded_and_has_no_now():
    sessions, views = busy_day()
    blocks, now_index = hour_blocks(sessions, views, DAY, datetime(2026, 12, 30, 9, 0, tzinfo=TZ), TZ)
    assert now_index is None and all(b.state == "past" and not b.open for b in blocks)


def test_a_day_to_come_opens_its_first_hour():
    sessions, views = busy_day()
    blocks, now_index = hour_blocks(sessions, views, DAY, datetime(2026, 12, 28, 15, 0, tzinfo=TZ), TZ)
    assert now_index is None
    assert [b.hour for b in blocks if b.open] == [10]


def test_a_short_day_keeps_every_hour_to_come_open():
    sessions, views = busy_day(rooms=2)
    blocks, _ = hour_blocks(sessions, views, DAY, datetime(2026, 12, 29, 16, 30, tzinfo=TZ), TZ)
    assert [b.hour for b in blocks if b.open] == [15, 16, 17, 18, 19]  # 15:00 runs till 17:00
