"""The deployment's release lock: a release and a save of the venues never run at once.

Below the features: the release step (webapp/release.py) and the venues editor
(webapp/staff/venues_editor.py, through webapp/program/eventstore.save_venues) both hold it.
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from webapp.extensions import db

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
