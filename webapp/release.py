"""The release step: migrate the database and import the event files, once, under a lock.

Run once per release (`flask --app webapp release`, `make cluster`, or serve.py for one process),
never by every app process at start. Several runs at once do not race: on PostgreSQL they queue on
an advisory lock, on SQLite on a file lock next to the database.
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from webapp.extensions import db
from webapp.program.eventdata import EventDataError
from webapp.program.importer import import_event, imported_version

# Any fixed 64-bit number, the same in every process of every release: "venue-live release".
ADVISORY_LOCK_KEY = 0x76656E75654C7631


@contextmanager
def release_lock() -> Iterator[None]:
    """Hold the deployment's release lock (PostgreSQL advisory lock, or a file lock for SQLite)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(database + ".release-lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def release(app: Flask) -> list[str]:
    """Migrate the database to head and import the event if its files changed; return what was done."""
    done = []
    with app.app_context(), release_lock():
        upgrade()
        event = app.extensions["event"]
        if imported_version() != event.version:
            done.append(f"Imported the event: {import_event(event)}")
        else:
            done.append(f"The event is up to date (data version {event.version}).")
        db.session.remove()
    return done


@click.command("release")
@with_appcontext
def release_command() -> None:
    """Migrate the database and import the event files: run once per release, before the app processes."""
    app = current_app._get_current_object()
    try:
        app.extensions["event"].check_placed()
    except EventDataError as exc:
        raise click.ClickException(str(exc)) from None
    for line in release(app):
        click.echo(line)
