"""A day of the program in hour blocks: which are past, which are on now, which come later."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from webapp.models import Session

OPEN_ALL_UP_TO = 30  # a day this short opens every hour still to come; a longer one only now and next


@dataclass
class HourBlock:
    """The sessions of one day starting in one local hour, and whether the page shows them open."""

    hour: int
    rows: list[dict] = field(default_factory=list)
    state: str = "later"  # past | now | later
    open: bool = False
    still_on: int = 0  # sessions of a past hour that have not ended yet

    @property
    def label(self) -> str:
        """Return the hour as '14:00'."""
        return f"{self.hour:02d}:00"


def hour_blocks(
    sessions: list[Session], views: list[dict], day: date, now: datetime, tz: ZoneInfo
) -> tuple[list[HourBlock], int | None]:
    """Group a day's sessions by start hour; return the blocks and the index of the one 'Now' jumps to."""
    blocks: dict[int, HourBlock] = {}
    for s, view in zip(sessions, views, strict=True):
        block = blocks.setdefault(s.start_at.astimezone(tz).hour, HourBlock(s.start_at.astimezone(tz).hour))
        block.rows.append(view)
        block.still_on += s.start_at <= now < s.end_at
    ordered = [blocks[h] for h in sorted(blocks)]
    local = now.astimezone(tz)
    today = local.date()
    for block in ordered:
        if day < today or (day == today and block.hour < local.hour):
            block.state = "past"
        elif day == today and block.hour == local.hour:
            block.state = "now"
        else:
            block.still_on = 0
    coming = [b for b in ordered if b.state != "past"]
    later = [b for b in coming if b.state == "later"]
    short = len(sessions) <= OPEN_ALL_UP_TO
    for block in ordered:
        # Open: this hour and the next hour with sessions; on a short day every hour not over yet.
        if block.state == "past":
            block.open = short and block.still_on > 0
        else:
            block.open = short or block.state == "now" or block is later[0]
    now_index = ordered.index(coming[0]) if day == today and coming else None
    return ordered, now_index
