"""The staff console: change the program from a phone, and the audit log."""

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.live.log import head_seq, recent_changes
from webapp.live.schemas import DELAY_MINUTES, KINDS, MAX_INT, console_limits, kind_words
from webapp.localized import event_languages, pick
from webapp.models import Change, Session, Venue
from webapp.program.eventdata import EventData
from webapp.program.eventstore import KIND as VENUES_KIND
from webapp.program.present import session_view
from webapp.program.queries import list_sessions, list_venues
from webapp.sources.follow import recent_clashes, recent_conflicts
from webapp.staff.auth import role_required
from webapp.staff.conflicts import clash_rows, conflict_rows
from webapp.web.context import current_event, page_clock, page_lang
from webapp.web.i18n import language_name, place_text

bp = Blueprint("staff", __name__, url_prefix="/staff")

RECENT = 20
PER_PAGE = 50
MAX_PAGE = MAX_INT // PER_PAGE  # the log's seq is a 32-bit integer: no page lies beyond this one
CSV_NAME = "venue-live-changes.csv"
# The log's columns: these, then the subject (a session's title, a room's name, an announcement's text)
# in one column per event language, named by its code (subject_ko, subject_en), then before and after.
CSV_COLUMNS = ("seq", "at", "by", "kind", "session", "venue", "room")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- words ----------------------------------------------------------------------------------


def state_words() -> dict:
    """Return the words for change kinds and states, shared by the log and the console's script."""
    return {
        # A save on /staff/venues is in the log too, though no one posts it to /api/changes.
        "kinds": {**kind_words(), VENUES_KIND: _("Venues")},
        "status": {"scheduled": _("scheduled"), "cancelled": _("cancelled")},
        "stream": {
            "scheduled": _("stream scheduled"),
            "live": _("stream live"),
            "ended": _("stream off air"),
        },
        "room": {"open": _("open"), "full": _("full")},
        "online": _("Online"),
        "everyone": _("everyone"),
        "retracted": _("retracted"),
        "none": "—",
    }


def console_labels() -> dict:
    """Return the console script's sentences; {name} marks where it puts a value."""
    return {
        "count": _("{n} shown"),
        "delay": _("Delay by {n} min"),
        "set_time": _("Set the time"),
        "undo": _("Undo change #{seq}"),
        "announce_to": _("To {who}, for {n} min"),
        "done": _("Done: change #{seq}."),
        "undone": _("Undone: change #{seq}."),
        "sending": _("Sending…"),
        "now_is": _("Now:"),
        "failed": _("The change was refused."),
        "offline": _("Could not reach the server; nothing was changed."),
        "choose_room": _("Choose a room first."),
        "bad_delay": _(
            "Enter a whole number of minutes from %(low)s to %(high)s, not 0.",
            low=DELAY_MINUTES[0],
            high=DELAY_MINUTES[1],
        ),
        "bad_time": _("Enter both a start and an end."),
        "no_text": _("Write the announcement in at least one of the languages."),
        "mark_full": _("Mark full"),
        "mark_open": _("Mark open"),
        "cancelled": _("Cancelled"),
        "no_changes": _("No changes yet."),
        "confirm": _("Confirm"),
        "change_anyway": _("Change anyway"),
    }


@dataclass(frozen=True)
class Wording:
    """Put stored changes into words in one language: place names, state words, the event's time zone."""

    lang: str
    tz: ZoneInfo
    venues: dict[str, str]
    rooms: dict[str, str]
    words: dict

    def place_names(self, venue_id: str | None, room_id: str | None) -> tuple[str | None, str | None]:
        """Return a venue's short name and a room's name by id (the id when it is gone): what
        web/i18n.place_text writes as a place, with self.words["online"] for none."""
        return venue_id and self.venues.get(venue_id, venue_id), room_id and self.rooms.get(room_id, room_id)

    def when(self, start: str, end: str) -> str:
        """Return a time range in words, e.g. 'Wed, Nov 29 10:00–11:00'."""
        try:
            first, last = (datetime.fromisoformat(t).astimezone(self.tz) for t in (start, end))
        except (OverflowError, TypeError, ValueError):
            # A time near year 1 or 9999 (logged before times were bounded) has no local form: show it as stored.
            return f"{start}–{end}"
        return f"{format_skeleton('MMMEd', first.date(), locale=self.lang)} {first:%H:%M}–{last:%H:%M}"

    def state(self, state: dict | None) -> dict[str, str]:
        """Return each aspect of a session's, room's or announcement's stored state in words."""
        w = self.words
        if state is None:
            return {}
        if "start" in state:
            status = w["status"].get(state["status"], state["status"])
            if state.get("status_reason"):
                status = f"{status}: {state['status_reason']}"
            return {
                "place": place_text(*self.place_names(state["venue"], state["room"]), w["online"]),
                "time": self.when(state["start"], state["end"]),
                "status": status,
                "stream": w["stream"].get(state["stream_status"], state["stream_status"]),
                "link": state.get("stream_url") or w["none"],
            }
        if "version" in state:  # a save of the venues
            return self.venues_state(state)
        if "text" in state:
            if state["retracted"]:
                return {"shown": w["retracted"]}
            who = self.venues.get(state["venue"], state["venue"]) if state["venue"] else w["everyone"]
            until = datetime.fromisoformat(state["expires_at"]).astimezone(self.tz)
            return {"shown": _("shown to %(who)s until %(time)s", who=who, time=f"{until:%H:%M}")}
        return {"status": w["room"].get(state["status"], state["status"])}

    def venues_state(self, state: dict) -> dict[str, str]:
        """Return a save of the venues in words: how many, and what moved (rooms, pins), was added or removed."""
        words = {
            "venues": _("%(venues)d venues, %(rooms)d rooms", venues=state["venues"], rooms=state["rooms"])
        }
        parts = [
            f"{self.rooms.get(r, r)} → {self.venues.get(v, v)}"
            for r, v in state.get("moved_rooms", {}).items()
        ]
        for key, label in (("added", _("added")), ("removed", _("removed")), ("placed", _("pin moved"))):
            if state.get(key):
                parts.append(f"{label}: {', '.join(self.venues.get(v, v) for v in state[key])}")
        if parts:
            words["what"] = "; ".join(parts)
        return words

    def before_after(self, before: dict | None, after: dict | None) -> tuple[str, str]:
        """Return a change's before and after in words, naming only what differs."""
        old, new = self.state(before), self.state(after)
        keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
        none = self.words["none"]
        return (
            "; ".join(old.get(k, none) for k in keys) or none,
            "; ".join(new.get(k, none) for k in keys) or none,
        )

    def row(self, change: Change) -> dict:
        """Return one change as the console and the log list it: who, when, what, before and after."""
        before, after = self.before_after(change.before, change.after)
        what = self.words["kinds"].get(change.kind, change.kind)
        if change.undoes is not None:
            what = f"{what} #{change.undoes}"
        at = change.at.astimezone(self.tz)
        return {
            "seq": change.seq,
            "kind": change.kind,
            "what": what,
            "subject": pick(change.subject, self.lang),
            "session": change.session_id,
            "before": before,
            "after": after,
            "by": change.by,
            "at": at.isoformat(),
            "at_label": f"{format_skeleton('MMMd', at.date(), locale=self.lang)} {at:%H:%M:%S}",
        }


def wording(venues: list[Venue], lang: str, tz: ZoneInfo) -> Wording:
    """Return the Wording for lang, with every venue's short name and every room's name."""
    return Wording(
        lang=lang,
        tz=tz,
        venues={v.id: v.short_name(lang) for v in venues},
        rooms={r.id: r.name(lang) for v in venues for r in v.rooms},
        words=state_words(),
    )


# --- the console's data ---------------------------------------------------------------------


def console_data(
    sessions: list[Session], venues: list[Venue], lang: str, tz: ZoneInfo, now: datetime
) -> dict:
    """Return the sessions, rooms and venues the console's script works on, names in lang."""
    return {
        "lang": lang,
        "tz": tz.key,
        "now": now.isoformat(),
        "sessions": [s.to_dict(tz) for s in sessions],
        "limits": console_limits(),
        "venues": [{"id": v.id, "name": v.short_name(lang)} for v in venues],
        "rooms": [
            {"id": r.id, "venue": v.id, "name": r.name(lang), "floor": r.floor, "status": r.status}
            for v in venues
            for r in v.rooms
        ],
    }


def sessions_by_day(sessions: list[Session], lang: str, event: EventData) -> list[tuple[date, list[dict]]]:
    """Return the sessions as the pages show them, grouped by local day in start order."""
    views = [(s.start_at.astimezone(event.tz).date(), session_view(s, lang, event)) for s in sessions]
    return [(day, [view for _day, view in group]) for day, group in groupby(views, key=lambda v: v[0])]


# --- the log --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    """Which changes the log shows: by kind, session id and staff name (None: any)."""

    kind: str | None = None
    session: str | None = None
    by: str | None = None

    def args(self) -> dict[str, str]:
        """Return the filter as query arguments."""
        return {k: v for k, v in (("kind", self.kind), ("session", self.session), ("by", self.by)) if v}


def parse_log_filter(args: Mapping[str, str]) -> LogFilter:
    """Read the log's filters from query arguments; raise ValueError for an unknown kind."""
    values = {key: (args.get(key) or "").strip() or None for key in ("kind", "session", "by")}
    if values["kind"] is not None and values["kind"] not in (*KINDS, VENUES_KIND):
        raise ValueError(f"kind must be one of {', '.join((*KINDS, VENUES_KIND))} (got '{values['kind']}')")
    return LogFilter(**values)


def parse_page(args: Mapping[str, str]) -> int:
    """Read the log's page number (1 when absent); raise ValueError for one that is not a page there can be."""
    value = (args.get("page") or "1").strip()
    # The offset it makes must fit the database's 64-bit integer: far more pages than the log can have.
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise ValueError(f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(value)


def log_query(log_filter: LogFilter) -> sa.Select:
    """Return the query for the filtered log, newest first."""
    query = sa.select(Change).order_by(Change.seq.desc())
    if log_filter.kind:
        query = query.where(Change.kind == log_filter.kind)
    if log_filter.session:
        query = query.where(Change.session_id == log_filter.session)
    if log_filter.by:
        query = query.where(Change.by == log_filter.by)
    return query


def staff_names() -> list[str]:
    """Return the name of everyone who made a change, in order."""
    return list(db.session.scalars(sa.select(Change.by).distinct().order_by(Change.by)))


def guard_cell(value: object) -> str:
    """Return a CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_columns(langs: Sequence[str]) -> list[str]:
    """Return the CSV's header for an event in langs: a subject column per language."""
    return [*CSV_COLUMNS, *(f"subject_{lang}" for lang in langs), "before", "after"]


def changes_csv(changes: Iterable[Change], tz: ZoneInfo, langs: Sequence[str]) -> bytes:
    """Return changes as CSV in UTF-8 with a byte-order mark (so spreadsheets read Korean right); the
    subject in each of langs, by the one fallback rule (pick)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_columns(langs))
    for c in changes:
        cells = (
            c.seq, c.at.astimezone(tz).isoformat(), c.by, c.kind, c.session_id, c.venue_id, c.room_id,
            *(pick(c.subject, lang, langs) for lang in langs),
            json.dumps(c.before, ensure_ascii=False), json.dumps(c.after, ensure_ascii=False),
        )  # fmt: skip
        writer.writerow([guard_cell(cell) for cell in cells])
    return out.getvalue().encode("utf-8-sig")


# --- routes ---------------------------------------------------------------------------------


def _log_filter() -> LogFilter:
    try:
        return parse_log_filter(request.args)
    except ValueError as exc:
        abort(400, description=str(exc))


def _page() -> int:
    try:
        return parse_page(request.args)
    except ValueError as exc:
        abort(400, description=str(exc))


@bp.get("/")
@role_required("staff")
def console():
    """Show the console: pick a session and change it, rooms, announcements, recent changes."""
    event, lang, clock = current_event(), page_lang(), page_clock()
    venues, sessions = list_venues(), list_sessions(event.tz)
    words = wording(venues, lang, event.tz)
    data = console_data(sessions, venues, lang, event.tz, clock.now)
    data.update(
        words=words.words,
        labels=console_labels(),
        recent=[words.row(c) for c in recent_changes(RECENT)],
    )
    return render_template(
        "staff/console.html",
        data=data,
        days=sessions_by_day(sessions, lang, event),
        venues=venues,
        clock=clock,
        conflicts=conflict_rows(recent_conflicts(), words),
        announce_langs=[(code, language_name(code, lang)) for code in event_languages(event)],
    )


@bp.get("/changes.json")
@role_required("staff")
def recent():
    """Return the latest changes in words, for the console's list."""
    event = current_event()
    words = wording(list_venues(), page_lang(), event.tz)
    response = jsonify(seq=head_seq(), changes=[words.row(c) for c in recent_changes(RECENT)])
    response.cache_control.no_store = True
    return response


@bp.get("/log")
@role_required("staff")
def log():
    """Show the whole change log, newest first, filtered and 50 to a page."""
    event, lang = current_event(), page_lang()
    log_filter = _log_filter()
    page = db.paginate(
        log_query(log_filter), page=_page(), per_page=PER_PAGE,
        error_out=False,
    )  # fmt: skip
    words = wording(list_venues(), lang, event.tz)
    return render_template(
        "staff/log.html",
        page=page,
        rows=[words.row(c) for c in page.items],
        log_filter=log_filter,
        kinds=words.words["kinds"],
        sessions=list_sessions(event.tz),
        names=staff_names(),
        csv_url=url_for("staff.log_csv", **log_filter.args()),
        conflicts=conflict_rows(recent_conflicts(), words),
        clashes=clash_rows(recent_clashes(), words),
    )


@bp.get("/log.csv")
@role_required("staff")
def log_csv():
    """Send the filtered change log as a CSV file."""
    event = current_event()
    body = changes_csv(db.session.scalars(log_query(_log_filter())), event.tz, event_languages(event))
    return send_file(
        io.BytesIO(body), mimetype="text/csv", as_attachment=True, download_name=CSV_NAME, max_age=0
    )
