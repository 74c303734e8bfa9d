"""Schedule conflicts on the staff log and console: staff's value, the source's, and one tap to take it."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.staff.test_console import PASSWORD, hidden_csrf
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.models import Session
from webapp.sources.follow import apply_release, current_fields, plan, recent_conflicts
from webapp.staff.accounts import create_staff

DISPUTED = "opening-ceremony"  # Gravity Space Ballroom, 29 Nov 16:00-17:00 (KST)


def make_conflict(app, session_id: str = DISPUTED) -> dict:
    """Have staff retime session_id 15 minutes, then a release retime it 60; return the conflict recorded."""
    with app.app_context():
        s = db.session.get(Session, session_id)
        base = current_fields(s)
        start, end = s.start_at, s.end_at
        apply_change(
            {"kind": "retime", "session": s.id, "expected_version": s.version,
             "start": (start + timedelta(minutes=15)).isoformat(), "end": (end + timedelta(minutes=15)).isoformat()},
            by="alice",
        )  # fmt: skip
        s = db.session.get(Session, session_id)
        moved = {
            **base,
            "start": (start + timedelta(hours=1)).isoformat(),
            "end": (end + timedelta(hours=1)).isoformat(),
        }
        todo, conflicts, baseline = plan(
            {"digest": None, "history": [], "sessions": {s.id: base}}, {s.id: moved}, {s.id: s}
        )
        assert todo == [] and len(conflicts) == 1, (todo, conflicts)
        release = {"digest": "test-release", "history": [], "sessions": baseline}
        apply_release(todo, "import:test", release, conflicts, datetime.now(UTC))
        return recent_conflicts()[0]


@pytest.fixture
def staff_client(app, client):
    """Return the client signed in through the /login form as staff member 'alice'."""
    with app.app_context():
        create_staff("alice", PASSWORD)
    token = hidden_csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def conflicts_section(page: str) -> str:
    return page[page.index('id="conflicts"') : page.index("</section>", page.index('id="conflicts"'))]


@pytest.mark.parametrize("url", ["/staff/log?lang=en", "/staff/?lang=en"])
def test_the_log_and_the_console_list_a_conflict_with_both_values_and_the_take_button(app, staff_client, url):
    make_conflict(app)
    section = conflicts_section(staff_client.get(url).get_data(as_text=True))
    assert "Retime</strong>" in section and ">Opening ceremony and MR hologram performance</a>" in section
    assert '<dd class="conflict__staff">Wed, Nov 29 16:15–17:15</dd>' in section  # what staff set (KST)
    assert '<dd class="conflict__source">Wed, Nov 29 17:00–18:00</dd>' in section  # what the source says
    assert ">Take the source's value</button>" in section
    take = json.loads(section.split("data-take='", 1)[1].split("'", 1)[0])
    assert take == {"kind": "retime", "session": DISPUTED, "expected_version": 2,
                    "start": "2023-11-29T08:00:00+00:00", "end": "2023-11-29T09:00:00+00:00"}  # fmt: skip


def test_a_conflict_whose_source_value_was_taken_has_no_button(app, staff_client):
    conflict = make_conflict(app)
    with app.app_context():
        s = db.session.get(Session, conflict["session"])
        apply_change({**conflict["take_source"], "expected_version": s.version}, by="alice")
    section = conflicts_section(staff_client.get("/staff/log?lang=en").get_data(as_text=True))
    assert "Source&#39;s value taken" in section  # escaped as any text is
    assert "data-take" not in section


def test_without_conflicts_the_log_has_no_conflict_section(staff_client):
    assert 'id="conflicts"' not in staff_client.get("/staff/log?lang=en").get_data(as_text=True)


def test_a_title_from_the_source_is_shown_as_text(app, staff_client):
    make_conflict(app)
    with app.app_context():
        s = db.session.get(Session, DISPUTED)
        s.titles = {**s.titles, "en": "<img src=x onerror=alert(1)>"}
        db.session.commit()
    section = conflicts_section(staff_client.get("/staff/log?lang=en").get_data(as_text=True))
    assert "<img src=x" not in section and "&lt;img src=x" in section


def test_the_log_keeps_the_200_newest_conflicts(app):
    def release(name: str, count: int) -> None:
        conflicts = [{"session": f"{name}-{n}", "kind": "retime"} for n in range(count)]
        baseline = {"digest": name, "history": [], "sessions": {}}
        apply_release([], "import:test", baseline, conflicts, datetime.now(UTC), label=name)

    with app.app_context():
        release("v1", 150)
        release("v2", 60)
        kept = [(c["release"], c["session"]) for c in recent_conflicts()]
    assert len(kept) == 200
    assert kept[:61] == [("v2", f"v2-{n}") for n in range(60)] + [("v1", "v1-0")]  # newest release first
    assert kept[-1] == ("v1", "v1-139")  # the oldest ten dropped
