"""Migrated databases made once per test run and copied into each test's empty database.

Nine hundred tests start from the same thing: an empty database, migrated by Alembic, with the embedded
event imported (0.5 s on SQLite and 1 s on PostgreSQL each, a sixth of the suite's time). The first
time an event is imported, its database becomes that event's template; later tests get a copy of it,
made by the database itself: SQLite's backup API, and for PostgreSQL the template schema dumped once by
pg_dump and replayed into the test's schema. A copy is only made into a database that holds no table
yet, so a test that starts the app twice (a restart) still migrates and imports the second time, as a
release would. Without pg_dump, PostgreSQL tests migrate and import each time, as before.
"""

import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa
from flask import Flask

from webapp.extensions import db

_DIR = Path(tempfile.mkdtemp(prefix="venue-live-templates-"))
_PLACEHOLDER = "template_schema_placeholder"


class Templates:
    """Per event version: a SQLite file, and a PostgreSQL dump whose schema name is a placeholder."""

    def __init__(self, postgres_url: str) -> None:
        self.postgres_url = postgres_url
        self.sqlite: dict[str, Path] = {}
        self.postgres: dict[str, str | None] = {}

    def close(self) -> None:
        """Remove the SQLite templates (the PostgreSQL ones are text held here)."""
        shutil.rmtree(_DIR, ignore_errors=True)

    def restore(self, app: Flask) -> bool:
        """Copy the template of app's event into app's empty database; return False when there is none."""
        version = app.extensions["event"].version
        if db.engine.dialect.name == "sqlite":
            source = self.sqlite.get(version)
            if source is None or _has_tables(db.engine):
                return False
            with sqlite3.connect(source) as src, sqlite3.connect(db.engine.url.database) as dst:
                src.backup(dst)
            return True
        dump = self.postgres.get(version)
        if dump is None or _has_tables(db.engine):
            return False
        schema = _schema_of(db.engine)
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                cursor.execute(dump.replace(_PLACEHOLDER, schema))
            raw.commit()
        finally:
            raw.close()
        return True

    def keep(self, app: Flask) -> None:
        """Make app's freshly migrated and imported database its event's template, if there is none yet."""
        version = app.extensions["event"].version
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            if version not in self.sqlite:
                path = _DIR / f"{uuid.uuid4().hex}.db"
                with sqlite3.connect(db.engine.url.database) as src, sqlite3.connect(path) as dst:
                    src.backup(dst)
                self.sqlite[version] = path
        elif version not in self.postgres:
            self.postgres[version] = self._dump(_schema_of(db.engine)) if shutil.which("pg_dump") else None

    def _dump(self, schema: str) -> str | None:
        """Return the schema's tables and rows as SQL, or None when pg_dump cannot make it (then each
        test migrates and imports, as without a template: a pg_dump older than the server refuses)."""
        url = urlparse(self.postgres_url.replace("+psycopg", ""))
        done = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "--inserts", "--rows-per-insert=500", "-n", schema,
             "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-d", url.path.lstrip("/")]
            + (["-U", url.username] if url.username else []),
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            return None
        out = done.stdout
        # Kept: what makes the tables and rows (every name is qualified with the schema). Left out: the
        # schema (the test's exists already), psql's meta-commands (pg_dump 15.14 writes `\\restrict`), and
        # the session settings, which would stay on the app's pooled connection (an empty search_path).
        skip = ("CREATE SCHEMA ", "\\", "SET ", "SELECT pg_catalog.set_config(")
        lines = [line for line in out.splitlines() if not line.startswith(skip)]
        return "\n".join(lines).replace(schema, _PLACEHOLDER)


def _has_tables(engine: sa.Engine) -> bool:
    return bool(sa.inspect(engine).get_table_names(schema=None))


def _schema_of(engine: sa.Engine) -> str:
    """Return the schema a test's PostgreSQL URL puts first on its search path."""
    return engine.url.query["options"].removeprefix("-csearch_path=")
