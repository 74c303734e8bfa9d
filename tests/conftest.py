"""Fixtures shared by every test: the app on SQLite and PostgreSQL, a client, bad data files."""

import contextlib
import copy
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")

# Tests never read or create var/secret_key.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# Nor var/vapid_private_key.pem; push tests start the push worker themselves.
os.environ.setdefault("VAPID_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="vapid-"), "vapid.pem"))
os.environ.setdefault("PUSH_WORKER", "0")

from tests.dbtemplates import Templates  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.program.importer import import_event  # noqa: E402


def require_service(reason: str) -> None:
    """Skip for a missing service, or fail when REQUIRE_SERVICES=1 (CI never passes by skipping)."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1")
    pytest.skip(reason)


@contextlib.contextmanager
def postgres_schema(prefix: str):
    """Create a fresh schema in the local PostgreSQL, yield its name, drop it afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError:
        engine.dispose()
        require_service("PostgreSQL at 127.0.0.1:5432 is unreachable")
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def schema_url(schema: str, base: str = POSTGRES_URL) -> str:
    """Return the database URL base with its search path set to schema."""
    return f"{base}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Yield the URL of an empty database: a SQLite file, or a fresh schema in the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_schema("test") as schema:
        yield schema_url(schema)


def pytest_configure(config):
    config.addinivalue_line("markers", "real_password_hashes: hash passwords at the app's own cost")


@pytest.fixture(autouse=True)
def cheap_password_hashes(request, monkeypatch):
    """Hash staff passwords with a cheap scrypt in tests made in this process (the app's costs 0.1 s per
    hash, several per test that signs in); tests marked real_password_hashes keep the app's own."""
    if request.node.get_closest_marker("real_password_hashes"):
        yield
        return
    from webapp.staff import accounts

    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")
    accounts._dummy_hash.cache_clear()
    yield
    accounts._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def templates() -> Iterator[Templates]:
    """The migrated and imported databases copied into each test's (tests/dbtemplates.py)."""
    kept = Templates(POSTGRES_URL)
    yield kept
    kept.close()


@pytest.fixture
def make_app(database_url, templates):
    """Return a callable that builds the app on the test database, migrated and with the event imported."""
    apps = []

    def _make(**config):
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "EVENT_NOW": None, **config}
        )
        with app.app_context():
            # The first app on the test's empty database gets a copy of its event's template; a later
            # one (a restart) migrates and imports, as a release does.
            fresh = not apps
            if not (fresh and templates.restore(app)):
                upgrade()
                import_event(app.extensions["event"])
                if fresh:
                    templates.keep(app)
        apps.append(app)
        return app

    yield _make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app with the embedded event, its clock set to 29 Nov 2023 10:30 in Seoul."""
    return make_app(EVENT_NOW="2023-11-29T10:30:00+09:00")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def event_files(tmp_path):
    """Return a callable that writes the embedded event's files, changed by edit functions, and their paths."""
    venues = json.loads((ROOT / "venues.geojson").read_text())
    program = json.loads((ROOT / "program.json").read_text())

    def _write(edit_venues=None, edit_program=None):
        v, p = copy.deepcopy(venues), copy.deepcopy(program)
        if edit_venues:
            edit_venues(v)
        if edit_program:
            edit_program(p)
        venues_path, program_path = tmp_path / "venues.geojson", tmp_path / "program.json"
        venues_path.write_text(json.dumps(v, ensure_ascii=False))
        program_path.write_text(json.dumps(p, ensure_ascii=False))
        return venues_path, program_path

    return _write
