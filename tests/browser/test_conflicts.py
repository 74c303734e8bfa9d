"""A schedule conflict on the staff log and console: one tap takes the source's value, on a phone."""

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import own_server, sign_in
from tests.staff.test_conflicts import DISPUTED, make_conflict
from webapp import create_app
from webapp.extensions import db


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Run a server of this module's own; yield its URL and its working directory (its database)."""
    workdir = tmp_path_factory.mktemp("conflicts")
    with own_server(workdir) as (base_url, _token):
        yield base_url, workdir


def record_conflict(workdir: Path, session_id: str) -> dict:
    """Record a conflict in the server's database, as following a release does; return it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'venue-live.db'}"})
    try:
        return make_conflict(app, session_id)
    finally:
        with app.app_context():
            db.engine.dispose()


def session_start(base_url: str, session_id: str) -> str:
    """Return a session's start as the public API gives it."""
    with urllib.request.urlopen(f"{base_url}/api/sessions/{session_id}", timeout=10) as response:
        return json.load(response)["start"]


@pytest.mark.parametrize(
    ("where", "session_id", "staff", "source", "start"),
    [
        (
            "/staff/log",
            DISPUTED,
            "Wed, Nov 29 16:15–17:15",
            "Wed, Nov 29 17:00–18:00",
            "2023-11-29T17:00:00+09:00",
        ),
        (
            "/staff/",
            "gmp-audit",
            "Thu, Nov 30 13:15–14:45",
            "Thu, Nov 30 14:00–15:30",
            "2023-11-30T14:00:00+09:00",
        ),
    ],
)
def test_take_the_source_value_applies_it_and_says_so(
    page: Page, server, where: str, session_id: str, staff: str, source: str, start: str
) -> None:
    base_url, workdir = server
    record_conflict(workdir, session_id)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base_url)
    page.goto(f"{base_url}{where}?lang=en")
    row = page.locator(f"#conflict-list li.conflict[data-session='{session_id}']").first
    expect(row).to_have_class(re.compile(r"\bconflict--open\b"))
    expect(row.locator(".conflict__staff")).to_have_text(staff)
    expect(row.locator(".conflict__source")).to_have_text(source)
    row.get_by_role("button", name="Take the source's value").click()
    expect(row.locator(".conflict__result")).to_contain_text("Done: change #")
    expect(row.locator("button.conflict__take")).to_have_count(0)
    expect(row).to_have_class(re.compile(r"\bconflict--taken\b"))
    assert session_start(base_url, session_id) == start
    page.reload()
    taken = page.locator(f"#conflict-list li[data-session='{session_id}']").first
    expect(taken.locator(".conflict__result")).to_have_text("Source's value taken")
