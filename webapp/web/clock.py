"""The event's clock: what time the pages treat as 'now'."""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class EventClock:
    """The moment the pages show, and why it is that moment."""

    now: datetime
    # real: the wall clock; configured: EVENT_NOW; requested: ?at=;
    # substituted: the wall clock is outside the event, so the first day is shown.
    source: str
    during_event: bool


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """Parse an ISO 8601 time; one without an offset is read in the event's time zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
        # Outside these years time zones have odd historical offsets, and the edges overflow.
        if not 1970 <= moment.year <= 2100:
            raise ValueError
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    except (ValueError, OverflowError):
        raise ValueError(
            f"'{text}' is not an ISO 8601 time between 1970 and 2100, such as 2023-11-30T14:00+09:00"
        ) from None


def resolve_clock(
    days: list[date],
    tz: ZoneInfo,
    first_start: datetime,
    *,
    real_now: datetime,
    configured: datetime | None = None,
    requested: datetime | None = None,
) -> EventClock:
    """Pick 'now': ?at= first, then EVENT_NOW, then the wall clock (the first day when outside the event)."""
    for moment, source in ((requested, "requested"), (configured, "configured")):
        if moment is not None:
            local = moment.astimezone(tz)
            return EventClock(local, source, local.date() in days)
    local = real_now.astimezone(tz)
    if local.date() in days:
        return EventClock(local, "real", True)
    return EventClock(first_start.astimezone(tz), "substituted", False)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Return midnight at the start of day in the event's time zone."""
    return datetime.combine(day, time.min, tzinfo=tz)
