"""The release step: migrate the database and import the event files, once, under a lock.

Run once per release (`flask --app webapp release`, `make cluster`, or serve.py for one process),
never by every app process at start. Several runs at once do not race: on PostgreSQL they queue on
an advisory lock, on SQLite on a file lock next to the database.

One event per database: replacing the event it holds (`flask --app webapp import-event --replace`)
archives everything that belongs to the old event (its change log, announcements, schedule conflicts and
follower state, push subscriptions and notices) to a JSON file, removes it, and starts the new event's
change log at seq 1, in one transaction with the import.
"""

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from webapp.extensions import current_event, db
from webapp.locks import release_lock
from webapp.models import Announcement, Change, EventMeta, LogHead, SavedVenues
from webapp.program.eventdata import EventDataError
from webapp.program.eventstore import load_into
from webapp.program.importer import (
    EVENT_KEY,
    ImportResult,
    OtherEventError,
    held_event,
    import_event,
    imported_version,
)
from webapp.push.models import PushNotice, PushSubscription, PushTopic
from webapp.sources.follow import CONFLICTS_KEY


@dataclass(frozen=True)
class Replaced:
    """What replacing the event did: what was archived, where, and the import."""

    old_event: str
    archive: Path
    counts: dict[str, int]
    result: ImportResult

    def __str__(self) -> str:
        kept = ", ".join(f"{what}: {n}" for what, n in self.counts.items())
        return (
            f"Archived the event '{self.old_event}' ({kept}) to {self.archive}; imported the new one: "
            f"{self.result}; its change log starts at seq 1."
        )


def _event_archive(old_event: str) -> tuple[dict, dict[str, int]]:
    """Return everything of the old event that would outlive its sessions, as JSON, and how many of each."""
    meta = {m.key: m.value for m in db.session.scalars(sa.select(EventMeta))}
    subscriptions = [
        {
            **s.info(), "lang": s.lang, "created_at": s.created_at.isoformat(),
            "updated_at": s.updated_at.isoformat(), "sessions": sorted(t.session_id for t in s.topics),
        }
        for s in db.session.scalars(sa.select(PushSubscription).order_by(PushSubscription.id))
    ]  # fmt: skip
    notices = [
        {c.name: getattr(n, c.name) for c in PushNotice.__table__.columns}
        for n in db.session.scalars(sa.select(PushNotice).order_by(PushNotice.id))
    ]
    data = {
        "event": old_event,
        "archived_at": datetime.now(UTC).isoformat(),
        "change_log": [c.to_dict() for c in db.session.scalars(sa.select(Change).order_by(Change.seq))],
        "announcements": [
            a.to_dict() for a in db.session.scalars(sa.select(Announcement).order_by(Announcement.id))
        ],
        "event_meta": {k: v for k, v in meta.items() if k not in ("version", EVENT_KEY)},
        "push_subscriptions": subscriptions,
        "push_notices": notices,
        # The venues placed at /staff/venues, each a venues document as saved.
        "saved_venues": [
            {"saved_at": v.saved_at.isoformat(), "saved_by": v.saved_by, "venues": json.loads(v.body)}
            for v in db.session.scalars(sa.select(SavedVenues).order_by(SavedVenues.id))
        ],
    }
    counts = {
        "changes": len(data["change_log"]),
        "announcements": len(data["announcements"]),
        "conflicts": len(meta.get(CONFLICTS_KEY) or []),
        "push subscriptions": len(subscriptions),
        "saved venues": len(data["saved_venues"]),
    }
    return data, counts


def replace_event(app: Flask, archive_dir: Path) -> Replaced:
    """Archive the event the database holds, remove what belongs to it, and import app's event instead."""
    with app.app_context(), release_lock():
        upgrade()
        event = current_event(app)
        old_event = held_event(event) or event.event.id
        data, counts = _event_archive(old_event)
        archive_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        archive = archive_dir / f"{old_event.replace(' ', '-')}-{stamp}.json"
        # It holds push endpoints and their keys: readable by this user only.
        descriptor = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, default=str)
        try:
            for model in (
                PushTopic,
                PushSubscription,
                PushNotice,
                Change,
                Announcement,
                EventMeta,
                SavedVenues,
            ):
                db.session.execute(sa.delete(model))
            db.session.execute(sa.update(LogHead).values(seq=0))
            result = import_event(event, replacing=True)  # commits the removal and the import together
        except BaseException:
            db.session.rollback()
            archive.unlink(missing_ok=True)
            raise
        finally:
            db.session.remove()
    return Replaced(old_event, archive, counts, result)


def release(app: Flask) -> list[str]:
    """Migrate the database to head and import the event if it changed; return what was done.

    The event is the two files, with the venues saved at /staff/venues in place of the venues file's
    (webapp/program/eventstore.py). Venues without coordinates are not imported: the pages keep what
    was imported before (or say the event is being set up) until they are placed.
    """
    done = []
    with app.app_context(), release_lock():
        try:
            upgrade()
            event = load_into(app)
            if unplaced := event.unplaced:
                names = ", ".join(f.properties.id for f in unplaced[:5]) + (
                    ", ..." if len(unplaced) > 5 else ""
                )
                done.append(
                    f"Not imported: {len(unplaced)} venue(s) have no position yet ({names}). An organiser "
                    "places them at /staff/venues (or run `flask --app webapp venues geocode`)."
                )
            elif imported_version() != event.version:
                done.append(f"Imported the event: {import_event(event)}")
            else:
                done.append(f"The event is up to date (data version {event.version}).")
        finally:
            db.session.remove()
    return done


@click.command("release")
@with_appcontext
def release_command() -> None:
    """Migrate the database and import the event files: run once per release, before the app processes."""
    app = current_app._get_current_object()
    try:
        for line in release(app):
            click.echo(line)
    except (EventDataError, OtherEventError) as exc:
        raise click.ClickException(str(exc)) from None
