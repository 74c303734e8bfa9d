"""Follow a published schedule: poll it, and turn each new release's differences into ordinary changes.

Every release is compared with the last one seen (kept in event_meta) and with the current state: a
field the source changed becomes a `move` or `retime`, a removed session a `cancel`, a new one an `add`,
a session back in the schedule a `restore`, all by `import:<source>` and in one transaction per release.
A field staff changed since the last release is kept: the difference is recorded as a conflict.
A release is applied even where it makes two sessions overlap in one room (the published schedule says
so); each such clash is recorded with the release and listed on /staff/log.

A release that would cancel more than a fifth of the scheduled sessions, or is another event's, is held:
nothing is applied, staff see "release X would cancel N of M sessions" on /staff and /staff/log with
Apply and Ignore, and the follower keeps polling; a later release supersedes a held one.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from webapp.extensions import current_event, db, socketio
from webapp.live import changes as live
from webapp.live.clashes import PLACING_KINDS, new_clashes
from webapp.live.log import session_state
from webapp.models import Change, EventMeta, Session
from webapp.sources.convert import build_program, used_rooms
from webapp.sources.fetch import fetch, read_schedule
from webapp.sources.model import ScheduleError
from webapp.sources.rooms import place_rooms, read_rooms_map

log = logging.getLogger(__name__)
RELEASE_KEY = "schedule_release"
CONFLICTS_KEY = "schedule_conflicts"
CLASHES_KEY = "schedule_clashes"  # sessions a release put in one room at overlapping times
HELD_KEY = "schedule_held"  # the release waiting for staff: Apply or Ignore
IGNORED_KEY = "schedule_ignored"  # digests of releases staff ignored, newest first
HOLD_SHARE = 5  # a release cancelling more than one in HOLD_SHARE of the scheduled sessions is held
HISTORY = 50  # digests of earlier releases remembered, to recognise an older one served again
MAX_CONFLICTS = 200
MIN_POLL_SECONDS = 5  # a published file is not for hammering


@dataclass
class Outcome:
    """What one poll did: applied, unchanged, not_modified, older or refused, and why."""

    status: str
    message: str
    changes: list[Change] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    clashes: list[dict] = field(default_factory=list)


def _utc(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).isoformat()


def _fields(venue: str | None, room: str | None, start: Any, end: Any) -> dict:
    return {"venue": venue, "room": room, "start": _utc(start), "end": _utc(end)}


def _release() -> dict:
    """Return the last release seen; before the first poll, the event files' sessions."""
    meta = db.session.get(EventMeta, RELEASE_KEY)
    if meta is not None:
        return meta.value
    event = current_event()
    sessions = {s.id: _fields(s.venue, s.room, s.start, s.end) for s in event.program.sessions}
    return {"digest": None, "history": [], "sessions": sessions}


def _differs(
    kind: str, keys: tuple[str, ...], new: dict, base: dict, cur: dict, s: Session, conflicts: list
) -> bool:
    """Return whether the source changed these fields and staff did not; record a conflict if staff did."""
    pick = lambda state: tuple(state[k] for k in keys)  # noqa: E731
    if pick(new) == pick(base) or pick(new) == pick(cur):
        return False
    if pick(cur) == pick(base):
        return True
    source = dict(zip(keys, pick(new), strict=True))
    conflicts.append(
        {
            "session": s.id, "title": s.title("en"), "kind": kind, "staff": dict(zip(keys, pick(cur), strict=True)),
            "source": source,
            # The change that takes the source's value: one tap in the console posts it to /api/changes.
            "take_source": {"kind": kind, "session": s.id, "expected_version": s.version, **source},
        }
    )  # fmt: skip
    return False


def plan(
    release: dict, entries: dict[str, dict], current: dict[str, Session]
) -> tuple[list[dict], list[dict], dict]:
    """Return the changes that bring current in line with the new release, the conflicts, and the new baseline."""
    todo, conflicts, baseline = [], [], {}
    for ident, entry in entries.items():
        new = _fields(entry["venue"], entry["room"], entry["start"], entry["end"])
        baseline[ident] = new
        s = current.get(ident)
        if s is None:
            todo.append({"kind": "add", "new_session": entry})
            continue
        cur = _fields(s.venue_id, s.room_id, s.start_at, s.end_at)
        base = release["sessions"].get(ident) or cur
        if s.status == "cancelled" and base.get("removed"):
            todo.append({"kind": "restore", "session": ident})
        if _differs("move", ("venue", "room"), new, base, cur, s, conflicts):
            todo.append({"kind": "move", "session": ident, "venue": new["venue"], "room": new["room"]})
        if _differs("retime", ("start", "end"), new, base, cur, s, conflicts):
            todo.append({"kind": "retime", "session": ident, "start": new["start"], "end": new["end"]})
    for ident, base in release["sessions"].items():
        if ident in entries:
            continue
        baseline[ident] = {**base, "removed": True}
        s = current.get(ident)
        if s is not None and s.status != "cancelled" and not base.get("removed"):
            todo.append(
                {"kind": "cancel", "session": ident, "reason": "Removed from the published schedule."}
            )
    # The published schedule decides where and when: a clash it makes is applied and listed, not refused.
    todo = [{**change, "allow_clash": True} if change["kind"] in PLACING_KINDS else change for change in todo]
    return todo, conflicts, baseline


@dataclass(frozen=True)
class Release:
    """One release of the source as read: its digest, its name (version), its event and its sessions."""

    digest: str
    label: str
    event_id: str
    entries: dict[str, dict]


def _hold(
    release: Release, todo: list[dict], current: dict[str, Session], event_id: str | None
) -> dict | None:
    """Return why a release must wait for staff (too many cancels, another event), or None.

    event_id: the event id of the last release applied (None before the first: nothing to compare).
    """
    cancel = sum(change["kind"] == "cancel" for change in todo)
    total = sum(s.status != "cancelled" for s in current.values())
    other = release.event_id if event_id is not None and release.event_id != event_id else None
    if cancel * HOLD_SHARE <= total and other is None:
        return None
    return {"cancel": cancel, "total": total, "event_id": other, "this_event": event_id}


def held_words(held: dict) -> str:
    """Return what a held release would do, in the follower's log's words."""
    other = (
        f"is another event ('{held['event_id']}', not '{held['this_event']}') and "
        if held["event_id"]
        else ""
    )
    return f"release {held['label']} {other}would cancel {held['cancel']} of {held['total']} sessions"


def held_release() -> dict | None:
    """Return the release held for staff, or None."""
    meta = db.session.get(EventMeta, HELD_KEY)
    return meta.value if meta is not None else None


def _ignored() -> list[str]:
    meta = db.session.get(EventMeta, IGNORED_KEY)
    return list(meta.value) if meta is not None else []


def _set_meta(key: str, value: Any) -> None:
    meta = db.session.get(EventMeta, key)
    if meta is None:
        db.session.add(EventMeta(key=key, value=value))
    else:
        meta.value = value


def release_clashes(before: dict[str, dict | None]) -> list[dict]:
    """Return each pair of sessions that overlap in one room now and did not before the release, once.

    before: the state of every session the release touched, as it was before (None for a new one).
    Called inside the release's transaction, after its changes are written.
    """
    found, seen = [], set()
    for ident, earlier in before.items():
        s = db.session.get(Session, ident)
        if s is None:
            continue
        for other in new_clashes(ident, earlier, session_state(s)):
            pair = frozenset((ident, other.id))
            if pair in seen:
                continue
            seen.add(pair)
            found.append(
                {
                    "session": ident, "title": s.title("en"), "start": _utc(s.start_at), "end": _utc(s.end_at),
                    "with": other.id, "with_title": other.title("en"), "with_start": _utc(other.start_at),
                    "with_end": _utc(other.end_at), "venue": s.venue_id, "room": s.room_id,
                }
            )  # fmt: skip
    return found


def apply_release(
    todo: list[dict], by: str, release: dict, conflicts: list[dict], now: datetime,
    before: dict[str, dict | None] | None = None, label: str = "", clashes: list[dict] | None = None,
) -> list[Change]:  # fmt: skip
    """Write every change of one release and the new baseline in one transaction, then publish them.

    before: the touched sessions' states before the release; the clashes it makes are recorded
    (and appended to `clashes`, when given).
    """

    def stamped(key: str, items: list[dict]) -> None:
        earlier = (db.session.get(EventMeta, key) or EventMeta(value=[])).value
        new = [{**item, "at": now.isoformat(), "by": by, "release": label} for item in items]
        _set_meta(key, (new + list(earlier))[:MAX_CONFLICTS])

    def baseline() -> None:
        _set_meta(RELEASE_KEY, release)
        if (held := db.session.get(EventMeta, HELD_KEY)) is not None:
            db.session.delete(held)  # this release supersedes the one staff were asked about
        if conflicts:
            stamped(CONFLICTS_KEY, conflicts)
        if found := release_clashes(before or {}):
            stamped(CLASHES_KEY, found)
            if clashes is not None:
                clashes.extend(found)

    return live.apply_changes(todo, by, now=now, also=baseline)


def current_fields(s: Session) -> dict:
    """Return a session's venue, room and times as a release states them (to compare with a conflict's)."""
    return _fields(s.venue_id, s.room_id, s.start_at, s.end_at)


def recent_conflicts() -> list[dict]:
    """Return the conflicts between staff edits and source releases, newest first."""
    meta = db.session.get(EventMeta, CONFLICTS_KEY)
    return list(meta.value) if meta else []


def recent_clashes() -> list[dict]:
    """Return the clashes releases made (two sessions in one room at overlapping times), newest first."""
    meta = db.session.get(EventMeta, CLASHES_KEY)
    return list(meta.value) if meta else []


class Follower:
    """Poll one source; keep its validators between polls. Call poll() inside an app context."""

    def __init__(self, source: str, rooms_file: str | None = None) -> None:
        self.source, self.rooms_map = source, read_rooms_map(rooms_file)
        self.etag: str | None = None
        self.last_modified: str | None = None
        self.by = f"import:{source}"[:80]

    def _read(self, raw: bytes, digest: str) -> Release:
        event = current_event()
        # The event's zone is known: times without an offset are in it, and it is never re-decided.
        # Nobody reads a follower's deviations: measuring them would cost most of the reading's CPU.
        schedule = read_schedule(raw, self.source, event.event.timezone, check=False)
        placements = place_rooms(used_rooms(schedule), event.venues, event.venues_file, self.rooms_map)
        program, _ = build_program(schedule, placements, self.source, timezone=event.event.timezone)
        entries = {s["id"]: s for s in program["sessions"]}
        return Release(digest, (schedule.version or digest[:12])[:60], program["event"]["id"], entries)

    def poll(self, now: datetime | None = None) -> Outcome:
        """Fetch the source once and apply its new release, if there is one; never raise for a bad source."""
        try:
            fetched = fetch(self.source, self.etag, self.last_modified)
            if fetched.raw is None:
                return Outcome("not_modified", f"{self.source}: not modified since the last poll.")
            self.etag, self.last_modified = fetched.etag, fetched.last_modified
            digest = hashlib.sha256(fetched.raw).hexdigest()
            release = _release()
            if digest == release["digest"]:
                return Outcome("unchanged", f"{self.source}: the same release as before.")
            if digest in release["history"]:
                return Outcome("older", f"{self.source}: serves an earlier release again; nothing changed.")
            if (held := held_release()) is not None and held["digest"] == digest:
                return Outcome("held", f"{self.source}: {held_words(held)}; still held for staff.")
            if digest in _ignored():
                return Outcome("ignored", f"{self.source}: staff ignored this release; nothing changed.")
            new = self._read(fetched.raw, digest)
        except ScheduleError as exc:
            return Outcome("refused", f"{exc} Nothing changed.")
        return settle(new, self.source, self.by, now or datetime.now(UTC))


def settle(new: Release, source: str, by: str, now: datetime, approved_by: str | None = None) -> Outcome:
    """Apply a release, or hold it for staff when it would cancel too much (unless staff approved it)."""
    release = _release()
    current = {s.id: s for s in db.session.scalars(sa.select(Session))}
    todo, conflicts, baseline = plan(release, new.entries, current)
    if approved_by is None and (why := _hold(new, todo, current, release.get("event_id"))) is not None:
        held = {**why, "digest": new.digest, "label": new.label, "source": source, "by": by,
                "at": now.isoformat(), "release_event": new.event_id, "entries": new.entries}  # fmt: skip
        _set_meta(HELD_KEY, held)  # a later release supersedes an earlier held one
        db.session.commit()
        return Outcome("held", f"{source}: {held_words(held)}; held: nothing applied until staff apply it.")
    history = ([release["digest"]] if release["digest"] else []) + release["history"]
    new_release = {
        "digest": new.digest,
        "history": history[:HISTORY],
        "sessions": baseline,
        "event_id": new.event_id,
    }
    touched = {change.get("session") or change["new_session"]["id"] for change in todo}
    before = {ident: session_state(current[ident]) if ident in current else None for ident in touched}
    clashes: list[dict] = []
    try:
        rows = apply_release(todo, by, new_release, conflicts, now, before, new.label, clashes)
    except live.ChangeError as exc:
        db.session.rollback()
        return Outcome(
            "refused", f"{source}: the new release could not be applied ({exc.message}); nothing changed."
        )
    counts = ", ".join(f"{sum(r.kind == k for r in rows)} {k}" for k in dict.fromkeys(r.kind for r in rows))
    message = f"{source}: new release applied: {counts or 'no change to place or time'}"
    if approved_by:
        message = f"{source}: release {new.label} applied by {approved_by}: {counts or 'no change to place or time'}"
    if conflicts:
        message += f"; {len(conflicts)} conflicts kept staff's edit"
    if clashes:
        message += f"; {len(clashes)} clashes (sessions overlapping in one room, listed on /staff/log)"
    return Outcome("applied", message, rows, conflicts, clashes)


class NotHeld(ScheduleError):
    """Staff answered a release that is no longer held (applied, ignored, or superseded since)."""


def _held_or_refuse(digest: str) -> dict:
    held = held_release()
    if held is None or held["digest"] != digest:
        raise NotHeld(
            "That release is no longer held: a later one replaced it, or it was applied or ignored."
        )
    return held


def apply_held(digest: str, staff: str, now: datetime | None = None) -> Outcome:
    """Apply the held release with this digest, as staff decided; raise NotHeld when it is not held."""
    held = _held_or_refuse(digest)
    new = Release(held["digest"], held["label"], held["release_event"], held["entries"])
    outcome = settle(new, held["source"], held["by"], now or datetime.now(UTC), approved_by=staff)
    log.warning("%s", outcome.message)
    return outcome


def ignore_held(digest: str, staff: str) -> dict:
    """Drop the held release with this digest, as staff decided; the follower will not hold it again."""
    held = _held_or_refuse(digest)
    db.session.delete(db.session.get(EventMeta, HELD_KEY))
    _set_meta(IGNORED_KEY, [digest, *_ignored()][:HISTORY])
    db.session.commit()
    log.warning("%s: %s; ignored by %s", held["source"], held_words(held), staff)
    return held


def follow(app: Flask, source: str, every: float, rooms_file: str | None = None, polls: int | None = None,
           sleep: Callable[[float], None] = time.sleep, report: Callable[[Outcome], None] | None = None) -> None:  # fmt: skip
    """Poll source every `every` seconds (forever, or `polls` times), logging what each poll did."""
    follower, done = Follower(source, rooms_file), 0
    while polls is None or done < polls:
        with app.app_context():
            try:
                outcome = follower.poll()
            except Exception:  # the app keeps serving whatever one poll hits
                log.exception("Following %s failed; nothing changed", source)
                outcome = Outcome("refused", f"{source}: unexpected error (see the log); nothing changed.")
            finally:
                db.session.remove()
        (log.warning if outcome.status in ("refused", "held") else log.info)("%s", outcome.message)
        for conflict in outcome.conflicts:
            log.warning("Conflict kept staff's edit: %s", conflict)
        for clash in outcome.clashes:
            log.warning("The release made sessions overlap in one room: %s", clash)
        if report:
            report(outcome)
        done += 1
        if polls is None or done < polls:
            sleep(every)


def poll_seconds(value: object) -> float:
    """Return a poll interval in seconds (5 s to a day); raise ScheduleError naming the setting."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not MIN_POLL_SECONDS <= seconds <= 86_400:
        raise ScheduleError(f"SCHEDULE_POLL_SECONDS: {value!r} is not a number of seconds from 5 to 86400.")
    return seconds


def start_following(app: Flask) -> bool:
    """Start following SCHEDULE_SOURCE in a background task when it is set; return whether it started."""
    source = app.config.get("SCHEDULE_SOURCE")
    if not source:
        return False
    every = poll_seconds(app.config["SCHEDULE_POLL_SECONDS"])
    rooms_file = app.config.get("SCHEDULE_ROOMS")
    read_rooms_map(rooms_file)  # a bad rooms map stops start-up here, not in the background
    socketio.start_background_task(follow, app, source, every, rooms_file)
    return True
