"""A followed release that makes sessions overlap in one room is applied as before, and the clash is listed.

The release here is the embedded event's own program with one session moved: dentistry-industry
(29 Nov 15:00-17:00 KST) into KINS Tower's 7F Auditorium, which holds medical-data-panel 14:45-15:45.
"""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.staff.test_console import PASSWORD, hidden_csrf
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.live.log import head_seq
from webapp.models import Session
from webapp.sources.follow import Release, recent_clashes, settle
from webapp.staff.accounts import create_staff

SOURCE = "https://example.org/schedule.json"


def release_with(app, **moves) -> Release:
    """Return a release of the event's own sessions, with each session in moves put in that room."""
    program = json.loads(Path(app.config["PROGRAM_FILE"]).read_text())
    entries = {s["id"]: copy.deepcopy(s) for s in program["sessions"]}
    for session_id, (venue, room) in moves.items():
        entries[session_id].update(venue=venue, room=room)
    return Release("digest-1", "v2", program["event"]["id"], entries)


@pytest.fixture
def staff_client(app, client):
    with app.app_context():
        create_staff("alice", PASSWORD)
    token = hidden_csrf(client.get("/login").get_data(as_text=True))
    assert (
        client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    return client


def test_a_release_that_makes_a_clash_is_applied_and_the_clash_listed_on_the_log(app, staff_client):
    release = release_with(app, **{"dentistry-industry": ("kins-tower", "kins-7f-auditorium")})
    with app.app_context():
        outcome = settle(release, SOURCE, f"import:{SOURCE}", datetime.now(UTC))
        assert outcome.status == "applied" and [c.kind for c in outcome.changes] == ["move"]
        assert db.session.get(Session, "dentistry-industry").room_id == "kins-7f-auditorium"
        assert "1 clashes (sessions overlapping in one room, listed on /staff/log)" in outcome.message
        [clash] = recent_clashes()
        assert (clash["session"], clash["with"], clash["room"], clash["release"]) == (
            "dentistry-industry", "medical-data-panel", "kins-7f-auditorium", "v2",
        )  # fmt: skip
    page = staff_client.get("/staff/log?lang=en").get_data(as_text=True)
    section = page[page.index('id="clashes"') : page.index("</section>", page.index('id="clashes"'))]
    assert "Room clashes from the published schedule" in section
    assert "KINS Tower · 7F Auditorium</strong>" in section
    assert "Wed, Nov 29 15:00–17:00" in section and "Wed, Nov 29 14:45–15:45" in section
    assert (
        'href="/sessions/dentistry-industry"' in section and 'href="/sessions/medical-data-panel"' in section
    )
    assert "release v2" in section and "No longer overlapping" not in section
    korean = staff_client.get("/staff/log?lang=ko").get_data(as_text=True)
    assert "공개 일정이 만든 회의장 시간 겹침" in korean and "일정 버전 v2" in korean


def test_a_clash_staff_resolve_stays_listed_as_no_longer_overlapping(app, staff_client):
    with app.app_context():
        settle(
            release_with(app, **{"dentistry-industry": ("kins-tower", "kins-7f-auditorium")}),
            SOURCE, f"import:{SOURCE}", datetime.now(UTC),
        )  # fmt: skip
        apply_change(
            {"kind": "move", "session": "medical-data-panel", "room": "kins-7f-meeting-room"}, by="alice"
        )
    page = staff_client.get("/staff/log?lang=en").get_data(as_text=True)
    assert 'class="change clash clash--resolved"' in page and "No longer overlapping" in page


def test_a_release_without_a_clash_lists_none(app, staff_client):
    with app.app_context():
        head = head_seq()
        outcome = settle(
            release_with(app, **{"dentistry-industry": ("kins-tower", "kins-7f-meeting-room")}),
            SOURCE, f"import:{SOURCE}", datetime.now(UTC),
        )  # fmt: skip
        assert outcome.status == "applied" and head_seq() == head + 1 and recent_clashes() == []
        assert "clashes" not in outcome.message
    assert 'id="clashes"' not in staff_client.get("/staff/log?lang=en").get_data(as_text=True)


def test_two_sessions_a_release_moves_into_one_taken_room_list_every_pair_once(app):
    # Into the 7F Auditorium, which holds medical-data-hospitals 13:00-14:30 and medical-data-panel
    # 14:45-15:45: business-day1-pm (13:00-15:30) and dentistry-workflow-demo (13:00-14:30).
    release = release_with(
        app,
        **{
            "business-day1-pm": ("kins-tower", "kins-7f-auditorium"),
            "dentistry-workflow-demo": ("kins-tower", "kins-7f-auditorium"),
        },
    )
    with app.app_context():
        outcome = settle(release, SOURCE, f"import:{SOURCE}", datetime.now(UTC))
        listed = recent_clashes()
    assert outcome.status == "applied" and "; 4 clashes (sessions overlapping" in outcome.message
    pairs = sorted(tuple(sorted((c["session"], c["with"]))) for c in listed)
    assert pairs == [
        ("business-day1-pm", "dentistry-workflow-demo"),
        ("business-day1-pm", "medical-data-hospitals"),
        ("business-day1-pm", "medical-data-panel"),
        ("dentistry-workflow-demo", "medical-data-hospitals"),
    ]


def test_a_release_the_changes_refuse_is_not_applied_at_all_and_says_why(app):
    # A move, then a retime a year later, outside the event's days: the batch is refused whole.
    release = release_with(app, **{"dentistry-industry": ("kins-tower", "kins-7f-meeting-room")})
    release.entries["opening-ceremony"].update(
        start="2024-11-29T16:00:00+09:00", end="2024-11-29T17:00:00+09:00"
    )
    with app.app_context():
        head = head_seq()
        outcome = settle(release, SOURCE, f"import:{SOURCE}", datetime.now(UTC))
        assert outcome.status == "refused"
        assert outcome.message.startswith(
            f"{SOURCE}: the new release could not be applied ('start' must fall within the event's days: "
        )
        assert outcome.message.endswith("(UTC).); nothing changed.")
        assert head_seq() == head
        assert db.session.get(Session, "dentistry-industry").room_id == "training-center-lecture-room"
