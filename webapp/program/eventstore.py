"""The event data a process serves: the two files, with the venues saved at /staff/venues in their place.

An organiser places venues and groups rooms in the browser (webapp/staff/venues_editor.py). A save is
checked exactly as the venues file is (eventdata.load_event, named as the file in its errors) and
becomes a row of `saved_venues`, in the database every process and machine shares: the file on disk
is not written, so a deployment's files stay what was deployed. The save is imported (the release
step's import, under its lock) and written to the change log as one `venues` change, in one
transaction. Then:

- every process learns of it from the change log: each read of the log's head that finds it moved
  (webapp/web/pagecache.py `on_head_moved`, at most every half second, and before any page renders
  at that seq) compares the imported data version with its own and, when they differ, loads the event
  again, so no page is rendered or cached at that seq with the venues from before;
- every open page gets the change like any other (socket, catch-up after sleep, or /api/changes) and
  loads itself again (static/js/socket.js), so it ends exactly as a fresh load;
- a process started later (or `flask release`) uses the newest save while the venues file is one the
  saves know (the file a save was made over), so a restart changes nothing; a venues file changed on
  disk since (a new import, a hand edit) is newer, and is used instead.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from flask import Flask, current_app, redirect, render_template, request, url_for
from pydantic import ConfigDict

from webapp.extensions import current_event, db
from webapp.live.changes import HANDLERS, ChangeError, Draft, apply_changes
from webapp.live.schemas import ChangeBody
from webapp.models import Announcement, SavedVenues
from webapp.program.eventdata import EventData, EventDataError, load_event
from webapp.program.importer import apply_event, imported_version
from webapp.program.venues_edit import document_text
from webapp.web.errors import JSON_PREFIXES, ApiError
from webapp.web.pagecache import on_head_moved, recent_head_seq

log = logging.getLogger(__name__)
KIND = "venues"


@dataclass(frozen=True)
class VenuesSource:
    """Where the venues in use came from: the file, or a save (when, by whom)."""

    raw: bytes
    saved_at: datetime | None = None
    saved_by: str | None = None
    # Why the newest save is not in use, when it is not: a sentence for the organiser and the log.
    note: str | None = None

    @property
    def saved(self) -> bool:
        return self.saved_at is not None


@dataclass
class EventState:
    """What this process serves, and the imported version it last reacted to."""

    event: EventData
    source: VenuesSource
    reacted_to: str | None = None
    # Whether any event is imported yet (None: not read yet); until one is, only setting up is possible.
    imported: bool | None = None
    checked_at: float = 0.0


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def latest_save() -> SavedVenues | None:
    """Return the newest venues document saved from the browser, or None."""
    return db.session.scalar(sa.select(SavedVenues).order_by(SavedVenues.id.desc()).limit(1))


def _known_file(file_sha: str) -> bool:
    """Tell whether the venues file on disk is one a save was made over, or one a save wrote."""
    query = sa.select(SavedVenues.id).where(
        sa.or_(SavedVenues.file_sha256 == file_sha, SavedVenues.body_sha256 == file_sha)
    )
    return db.session.scalar(query.limit(1)) is not None


def _file_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""  # load_event names the problem


def load_served_event(config) -> tuple[EventData, VenuesSource]:
    """Return the event to serve: the program file with the newest saved venues, or the venues file.

    Raise EventDataError when the files themselves are unusable.
    """
    venues_file, program_file = config["VENUES_FILE"], config["PROGRAM_FILE"]
    file_raw = _file_bytes(venues_file)
    try:
        save = latest_save()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        db.session.rollback()
        save = None  # not migrated yet (`flask db upgrade` itself loads the app): nothing was saved
    note = None
    if save is not None:
        when = f"{save.saved_at:%Y-%m-%d %H:%M} UTC by {save.saved_by}"
        if _known_file(_sha(file_raw)):
            raw = save.body.encode()
            try:
                event = load_event(venues_file, program_file, venues_raw=raw)
                return event, VenuesSource(raw, save.saved_at, save.saved_by)
            except EventDataError as exc:
                note = f"The venues saved on /staff/venues ({when}) no longer fit the program: {exc}"
        else:
            note = f"{Path(venues_file).name} changed on disk after the venues were saved on /staff/venues ({when})"
        log.warning("%s; serving %s", note, Path(venues_file).name)
    return load_event(venues_file, program_file), VenuesSource(file_raw, note=note)


def _state(app: Flask) -> EventState | None:
    return app.extensions.get("event_state")


def use_event(app: Flask, event: EventData, source: VenuesSource) -> None:
    """Serve event from now on in this process."""
    state = _state(app)
    if state is None:
        app.extensions["event_state"] = EventState(event, source)
    else:
        state.event, state.source = event, source
    app.extensions["event"] = event


def venues_source(app: Flask) -> VenuesSource:
    """Return where the venues this process serves came from (the file, when nothing was loaded yet)."""
    state = _state(app)
    if state is None:
        return VenuesSource(_file_bytes(app.config["VENUES_FILE"]))
    return state.source


def load_into(app: Flask) -> EventData:
    """Load the event to serve (files and saved venues) into app; call within its app context."""
    event, source = load_served_event(app.config)
    use_event(app, event, source)
    return event


def _first_state(app: Flask) -> EventState:
    # create_app loaded the files; the saved venues are read the first time the database is.
    if latest_save() is not None:
        load_into(app)
    else:
        use_event(app, current_event(app), venues_source(app))
    return _state(app)


def _on_head_moved(_seq: int) -> None:
    """Reload the event when the imported data is not what this process serves (a save, a release)."""
    app = current_app._get_current_object()
    state = _state(app) or _first_state(app)
    imported = imported_version()
    state.imported, state.checked_at = imported is not None, time.monotonic()
    if imported is not None and imported != state.event.version and imported != state.reacted_to:
        _reload(app, state, imported)


def _reload(app: Flask, state: EventState, imported: str | None) -> None:
    state.reacted_to = imported
    try:
        event, source = load_served_event(app.config)
    except EventDataError as exc:
        log.error(
            "cannot load the event data again (%s); still serving data version %s", exc, state.event.version
        )
        return
    use_event(app, event, source)
    if imported is not None and event.version != imported:
        log.warning(
            "data version %s is imported but this process has %s: run `flask --app webapp release` "
            "with the same files, then restart it",
            imported,
            event.version,
        )


# --- saving ---------------------------------------------------------------------------------------


class SaveVenues(ChangeBody):
    """A venues document saved from the browser; made by save_venues, never posted to /api/changes."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: Literal["venues"]
    base: str
    event: EventData
    before: EventData
    body: str
    file_sha256: str
    saved_by: str


def _summary(event: EventData) -> dict[str, Any]:
    return {"version": event.version, "venues": len(event.venues), "rooms": len(event.rooms_by_id)}


def _what_changed(before: EventData, after: EventData) -> dict[str, Any]:
    """Return what a save changed, for the log: rooms moved (to which venue), venues added, removed, moved."""
    old_pins = {f.properties.id: f.lon_lat for f in before.venues if f.geometry is not None}
    return {
        "moved_rooms": {
            room: venue
            for room, (venue, _r) in after.rooms_by_id.items()
            if before.rooms_by_id[room][0] != venue
        },
        "added": [v for v in after.venues_by_id if v not in before.venues_by_id],
        "removed": [v for v in before.venues_by_id if v not in after.venues_by_id],
        "placed": [
            f.properties.id
            for f in after.venues
            if f.properties.id in before.venues_by_id and old_pins.get(f.properties.id) != f.lon_lat
        ],
    }


def _announced_to_removed(before: EventData, after: EventData) -> None:
    removed = set(before.venues_by_id) - set(after.venues_by_id)
    if not removed:
        return
    query = sa.select(Announcement.venue_id).where(Announcement.venue_id.in_(removed)).limit(1)
    if (venue := db.session.scalar(query)) is not None:
        raise ChangeError(
            400, "invalid", f"Venue '{venue}' cannot be removed: announcements were addressed to it."
        )


def _saved(change: SaveVenues, at) -> Draft:
    """Store the document and import it, in the transaction of its change."""
    current = imported_version() or change.before.version
    if current != change.base:
        raise ChangeError(
            409, "conflict", "The venues were changed since this page was opened: reload it to see them."
        )
    _announced_to_removed(change.before, change.event)
    db.session.add(
        SavedVenues(
            body=change.body,
            body_sha256=_sha(change.body.encode()),
            file_sha256=change.file_sha256,
            saved_at=at.now,
            saved_by=change.saved_by,
        )
    )
    apply_event(change.event)
    after = {**_summary(change.event), **_what_changed(change.before, change.event)}
    return Draft(KIND, _summary(change.before), after, {"ko": "행사장", "en": "Venues"})


HANDLERS[SaveVenues] = _saved


def served_document(app: Flask) -> dict:
    """Return the venues document this process serves, as JSON (the file's, or the newest save's)."""
    return json.loads(venues_source(app).raw)


def save_venues(
    document: dict, base: str, by: str, lock: Callable[[], AbstractContextManager]
) -> EventData | None:
    """Check a venues document as the file is checked, store it, import it and log it as one change.

    base is the data version the organiser started from: a save made meanwhile is not overwritten
    (ChangeError 409). Raise EventDataError (the file's one sentence) for a document the file would
    not be allowed to be. Return the event now served, or None when the document changes nothing.
    """
    app = current_app._get_current_object()
    state = _state(app) or _first_state(app)
    body = document_text(document)
    event = load_event(app.config["VENUES_FILE"], app.config["PROGRAM_FILE"], venues_raw=body.encode())
    event.check_placed()
    if event.version == state.event.version:
        return None
    change = SaveVenues(
        kind=KIND, base=base, event=event, before=state.event, body=body,
        file_sha256=_sha(_file_bytes(app.config["VENUES_FILE"])), saved_by=by,
    )  # fmt: skip
    with lock():  # the release step's lock: no import runs beside this one
        [row] = apply_changes([change], by)
    use_event(app, event, VenuesSource(body.encode(), row.at, by))
    state.reacted_to = event.version
    return event


# --- while nothing is imported: only setting up ---------------------------------------------------

RECHECK_SECONDS = 1.0


def _setting_up(app: Flask) -> bool:
    """Tell whether no event is imported yet (the venues are not all placed): read at most once a second."""
    try:
        recent_head_seq()  # moves the event along with the log (a save elsewhere); see _on_head_moved
    except sa.exc.DBAPIError:
        return False  # the view answers for the database (pages from their last rendering)
    state = _state(app)
    if state is None or state.imported is not False:
        return False
    if time.monotonic() - state.checked_at > RECHECK_SECONDS:
        state.imported, state.checked_at = imported_version() is not None, time.monotonic()
    return not state.imported


def init_app(app: Flask, open_while_setting_up: Iterable[str], setup_page: str) -> None:
    """Follow the change log for venues saved elsewhere; until an event is imported, answer only open_while_setting_up.

    open_while_setting_up names the blueprints that work before the venues are placed: signing in,
    placing the venues, the accounts, assets and health checks. Other staff pages lead to setup_page
    (an endpoint); everything else says the event is being set up.
    """
    on_head_moved(_on_head_moved)
    blueprints = frozenset(open_while_setting_up)

    @app.before_request
    def _only_setting_up():
        if request.blueprint in blueprints or request.endpoint in (None, "static"):
            return None
        if not _setting_up(app):
            return None
        message = (
            "This event is being set up: its venues are not placed on the map yet. Please come back soon."
        )
        if request.path.startswith(JSON_PREFIXES):
            raise ApiError(503, "setting_up", message)
        if request.path.startswith("/staff/") and request.method == "GET":
            return redirect(url_for(setup_page))  # the one thing to do before anything else
        page = render_template("setting_up.html", no_live=True)
        return page, 503, {"Retry-After": "60"}
