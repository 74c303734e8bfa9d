"""Configuration from the environment: a relative SQLite file is the project's, not the instance folder's."""

import pytest

from webapp.config import ROOT, database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, f"sqlite:///{ROOT}/var/venue-live.db"),
        # The README's walk-through: DATABASE_URL=sqlite:///var/my-event.db, from the project folder.
        ("sqlite:///var/my-event.db", f"sqlite:///{ROOT}/var/my-event.db"),
        ("sqlite:///var/x.db?timeout=5", f"sqlite:///{ROOT}/var/x.db?timeout=5"),
        ("sqlite:////tmp/absolute.db", "sqlite:////tmp/absolute.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        (
            "postgresql+psycopg://user:secret@127.0.0.1:5432/test",
            "postgresql+psycopg://user:secret@127.0.0.1:5432/test",
        ),
    ],
)
def test_database_url(given, expected):
    assert database_url(given) == expected


def test_the_readme_database_url_is_the_projects_var_folder_from_any_working_directory(tmp_path, monkeypatch):
    # It once landed in instance/var/, a folder that does not exist: the release step failed with a traceback.
    from webapp import create_app
    from webapp.extensions import db

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/test-config.db")
    app = create_app({"TESTING": True})
    with app.app_context():
        assert db.engine.url.database == str(ROOT / "var" / "test-config.db")
        db.engine.dispose()
