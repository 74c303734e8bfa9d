"""The visitor's agenda as a plan: starred sessions in order, the walk between them, when to leave."""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from webapp.walking import Place, distance_m, method, point, travel_matrix, walking_minutes


class Stop(Protocol):
    """What the agenda needs from a session (webapp.models.Session satisfies it)."""

    id: str
    start_at: datetime
    end_at: datetime
    venue_id: str | None
    status: str


def _minutes(delta: timedelta) -> int:
    return math.floor(delta.total_seconds() / 60)


def _transfer(prev: Stop, nxt: Stop, matrix: dict) -> dict[str, Any]:
    """Return the move from prev to nxt: gap, distance, walk, leave-by, and whether it is feasible."""
    gap = _minutes(nxt.start_at - prev.end_at)
    if prev.venue_id == nxt.venue_id:
        leg = {"distance_m": 0, "walking_minutes": 0, "transit_hint": None, "approximate": False}
    else:
        leg = matrix[prev.venue_id][nxt.venue_id]
    walk = leg["walking_minutes"]
    if gap < 0:
        problem = "overlap"
    elif walk > gap:
        problem = "late"
    else:
        problem = None
    return {
        "from_session": prev.id,
        "from_venue": prev.venue_id,
        "to_venue": nxt.venue_id,
        "from_end": prev.end_at.isoformat(),
        "gap_minutes": gap,
        "distance_m": leg["distance_m"],
        "walking_minutes": walk,
        "transit_hint": leg["transit_hint"],
        "approximate": leg["approximate"],
        "leave_by": (nxt.start_at - timedelta(minutes=walk)).isoformat(),
        "problem": problem,
    }


def _next_stop(
    items: list[dict], by_id: dict[str, Stop], venues: dict[str, Place], now: datetime, position
) -> dict[str, Any] | None:
    """Return when to leave for the first starred session starting after now, and from where."""
    upcoming = next(
        (
            item
            for item in items
            if by_id[item["session"]].start_at > now and by_id[item["session"]].status != "cancelled"
        ),
        None,
    )
    if upcoming is None:
        return None
    stop = by_id[upcoming["session"]]
    out: dict[str, Any] = {"session": stop.id, "start": stop.start_at.isoformat(), "origin": None}
    if stop.venue_id is None:
        out["origin"] = "online"
        return out
    if position is not None and stop.venue_id in venues:
        straight = distance_m(position, point(venues[stop.venue_id]))
        out.update(origin="position", distance_m=round(straight), walking_minutes=walking_minutes(straight))
    elif upcoming["transfer"] is not None:
        leg = upcoming["transfer"]
        out.update(
            origin="venue",
            from_venue=leg["from_venue"],
            distance_m=leg["distance_m"],
            walking_minutes=leg["walking_minutes"],
        )
    else:
        return out  # nothing to leave from: the page offers to use the visitor's position
    leave_by = stop.start_at - timedelta(minutes=out["walking_minutes"])
    out["leave_by"] = leave_by.isoformat()
    out["late"] = leave_by < now
    return out


def plan_agenda(
    sessions: Iterable[Stop],
    venues: Iterable[Place],
    *,
    tz: tzinfo,
    now: datetime,
    position: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Order starred sessions by day and time, with the transfer between consecutive ones and when to leave.

    A transfer links a session to the previous one the visitor attends in person the same day: cancelled
    sessions are skipped, and online sessions need no travel (the visitor stays where they were).
    """
    venue_list = list(venues)
    by_venue = {v.id: v for v in venue_list}
    matrix = travel_matrix(venue_list)
    ordered = sorted(sessions, key=lambda s: (s.start_at, s.end_at, s.id))
    by_id = {s.id: s for s in ordered}
    days: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    last_in_person: Stop | None = None
    for s in ordered:
        day = s.start_at.astimezone(tz).date().isoformat()
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "items": []})
            last_in_person = None
        transfer = None
        attends = s.status != "cancelled" and s.venue_id is not None
        if attends and last_in_person is not None:
            transfer = _transfer(last_in_person, s, matrix)
        item = {"session": s.id, "transfer": transfer}
        days[-1]["items"].append(item)
        items.append(item)
        if attends:
            last_in_person = s
    return {
        "method": method(),
        "now": now.isoformat(),
        "days": days,
        "warnings": sum(1 for item in items if item["transfer"] and item["transfer"]["problem"]),
        "next": _next_stop(items, by_id, by_venue, now, position),
    }
