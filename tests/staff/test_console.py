"""The staff console and the change log: signed-in staff see the program, make changes, audit them."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.live.schemas import DELAY_MINUTES, MAX_ANNOUNCEMENT_MINUTES, MAX_TEXT, MAX_URL
from webapp.models import Change, LogHead
from webapp.staff.accounts import create_staff
from webapp.staff.console import changes_csv, csv_columns, guard_cell

PASSWORD = "a-long-password-123"


def text(response):
    return response.get_data(as_text=True)


def hidden_csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def meta_csrf(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def island(page: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/json" id="staff-data">(.*?)</script>', page).group(1)
    )


def seqs(page: str, list_id: str) -> list[int]:
    """Return the seq of every change in the list with list_id, in page order."""
    part = page[page.index(f'id="{list_id}"') :]
    part = part[: part.index("</ol>")]
    return [int(seq) for seq in re.findall(r'<li class="change" data-seq="(\d+)"', part)]


@pytest.fixture
def staff_client(app, client):
    """Return the client signed in through the /login form as staff member 'alice'."""
    with app.app_context():
        create_staff("alice", PASSWORD)
    token = hidden_csrf(text(client.get("/login")))
    response = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


@pytest.fixture
def post_change(staff_client):
    """Return a callable that posts one change to /api/changes the way the console does."""

    def _post(**change):
        token = meta_csrf(text(staff_client.get("/staff/")))
        return staff_client.post("/api/changes", json=change, headers={"X-CSRFToken": token})

    return _post


@pytest.fixture
def make_changes(app):
    """Return a callable that applies changes straight through apply_change, as staff member `by`."""

    def _apply(*changes, by="bob"):
        with app.app_context():
            return [apply_change(change, by=by).seq for change in changes]

    return _apply


def test_console_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_signing_in_lands_on_the_console(app, client):
    with app.app_context():
        create_staff("alice", PASSWORD)
    token = hidden_csrf(text(client.get("/login")))
    response = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/staff/"


def test_console_shows_sessions_rooms_and_who_is_signed_in(staff_client):
    page = text(staff_client.get("/staff/?lang=en"))
    assert 'data-session="opening-ceremony"' in page
    assert "Opening ceremony and MR hologram performance" in page
    for room in ("Space Ballroom", "7F Auditorium", "Lecture Room"):
        assert room in page
    assert '<optgroup label="KINS Tower">' in page
    assert "alice" in page
    assert meta_csrf(page)


def test_console_data_carries_versions_and_names_in_the_page_language(staff_client):
    data = island(text(staff_client.get("/staff/?lang=ko")))
    opening = next(s for s in data["sessions"] if s["id"] == "opening-ceremony")
    assert opening["version"] == 1
    assert opening["title"]["en"] == "Opening ceremony and MR hologram performance"
    assert opening["start"] == "2023-11-29T16:00:00+09:00"
    assert {"id": "kins-tower", "name": "킨스타워"} in data["venues"]
    ballroom = next(r for r in data["rooms"] if r["id"] == "gravity-space-ballroom")
    assert ballroom == {
        "id": "gravity-space-ballroom", "venue": "gravity-pangyo", "name": "스페이스볼룸", "floor": ballroom["floor"],
        "status": "open",
    }  # fmt: skip
    assert data["now"] == "2023-11-29T10:30:00+09:00"
    assert data["tz"] == "Asia/Seoul"


def test_change_posted_with_the_console_token_appears_in_recent_list_and_log(post_change, staff_client):
    response = post_change(
        kind="move", session="opening-ceremony", room="kins-7f-auditorium", expected_version=1
    )
    assert response.status_code == 201, response.get_json()
    seq = response.get_json()["seq"]

    console = text(staff_client.get("/staff/?lang=en"))
    assert seqs(console, "recent-list") == [seq]
    recent = console[console.index('id="recent-list"') :]
    assert "Gravity Pangyo · Space Ballroom" in recent and "KINS Tower · 7F Auditorium" in recent
    assert f'data-undo="{seq}"' in recent
    assert next(s for s in island(console)["sessions"] if s["id"] == "opening-ceremony")["version"] == 2

    log = text(staff_client.get("/staff/log?lang=en"))
    assert seqs(log, "log-list") == [seq]
    assert "alice" in log and "KINS Tower · 7F Auditorium" in log


def test_console_change_list_says_before_and_after_in_words(make_changes, staff_client):
    make_changes(
        {"kind": "retime", "session": "opening-ceremony", "delay_minutes": 10},
        {"kind": "cancel", "session": "opening-ceremony", "reason": "Storm"},
        {"kind": "room_status", "room": "kins-7f-auditorium", "status": "full"},
    )
    rows = staff_client.get("/staff/changes.json?lang=en").get_json()["changes"]
    assert [(r["what"], r["before"], r["after"]) for r in rows] == [
        ("Room", "open", "full"),
        ("Cancel", "scheduled", "cancelled: Storm"),
        ("Retime", "Wed, Nov 29 16:00–17:00", "Wed, Nov 29 16:10–17:10"),
    ]
    assert rows[0]["subject"] == "7F Auditorium" and rows[0]["by"] == "bob"


def test_undo_is_listed_with_the_change_it_undoes(post_change, staff_client):
    seq = post_change(kind="room_status", room="kins-7f-auditorium", status="full").get_json()["seq"]
    assert post_change(kind="undo", seq=seq).status_code == 201
    rows = staff_client.get("/staff/changes.json?lang=en").get_json()["changes"]
    assert (rows[0]["what"], rows[0]["before"], rows[0]["after"]) == (f"Undo #{seq}", "full", "open")


def test_user_text_is_escaped_in_the_console(post_change, staff_client):
    attack = "<img src=x onerror=alert(1)>"
    response = post_change(kind="announce", text={"en": attack}, venue=None, expires_in_minutes=30)
    assert response.status_code == 201
    page = text(staff_client.get("/staff/?lang=en"))
    assert attack not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert island(page)["recent"][0]["subject"] == attack


def test_log_filters_by_kind_session_and_staff(make_changes, staff_client):
    moved, full, retimed = make_changes(
        {"kind": "move", "session": "opening-ceremony", "room": "kins-7f-auditorium"},
        {"kind": "room_status", "room": "kins-7f-auditorium", "status": "full"},
        {"kind": "retime", "session": "north-america-fda", "delay_minutes": 5},
    )
    (announced,) = make_changes(
        {"kind": "announce", "text": {"en": "Lunch"}, "expires_in_minutes": 30}, by="carol"
    )
    assert seqs(text(staff_client.get("/staff/log")), "log-list") == [announced, retimed, full, moved]
    assert seqs(text(staff_client.get("/staff/log?kind=room_status")), "log-list") == [full]
    assert seqs(text(staff_client.get("/staff/log?session=opening-ceremony")), "log-list") == [moved]
    assert seqs(text(staff_client.get("/staff/log?by=carol")), "log-list") == [announced]
    assert seqs(text(staff_client.get("/staff/log?kind=move&by=carol")), "log-list") == []


def test_log_refuses_an_unknown_kind(staff_client):
    response = staff_client.get("/staff/log?kind=explode")
    assert response.status_code == 400
    assert "kind must be one of" in text(response)


def test_log_shows_fifty_changes_a_page(make_changes, staff_client):
    statuses = ["full", "open"] * 26
    all_seqs = make_changes(
        *({"kind": "room_status", "room": "hip-future-hall", "status": s} for s in statuses[:51])
    )
    first = text(staff_client.get("/staff/log?lang=en"))
    assert seqs(first, "log-list") == all_seqs[::-1][:50]
    assert "51 changes" in first and 'rel="next"' in first
    second = text(staff_client.get("/staff/log?lang=en&page=2"))
    assert seqs(second, "log-list") == [all_seqs[0]]
    assert 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize(
    "page", ["0", "-1", "abc", "1.5", "٣", "42949673", "9223372036854775807", "99999999999999999999999"]
)
def test_a_log_page_that_cannot_exist_is_400_naming_it_not_a_database_error(staff_client, page):
    # A page's offset reaches the database: on PostgreSQL one past bigint failed inside it (500).
    response = staff_client.get(f"/staff/log?lang=en&page={page}")
    assert response.status_code == 400
    assert "page must be a whole number from 1 to 42949672" in text(response)


def test_the_last_page_there_can_be_is_an_empty_page(staff_client):
    response = staff_client.get("/staff/log?lang=en&page=42949672")
    assert response.status_code == 200 and "No change matches these filters." in text(response)


def test_log_sends_anonymous_visitors_to_sign_in(client):
    for url in ("/staff/log", "/staff/log.csv", "/staff/changes.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def read_csv(response) -> list[list[str]]:
    return read_csv_bytes(response.get_data())


def read_csv_bytes(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_log_csv_is_a_download_with_a_header_and_every_change(make_changes, staff_client):
    (seq,) = make_changes({"kind": "move", "session": "opening-ceremony", "room": "kins-7f-auditorium"})
    response = staff_client.get("/staff/log.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=venue-live-changes.csv"
    header, row = read_csv(response)
    assert header == [
        "seq", "at", "by", "kind", "session", "venue", "room", "subject_ko", "subject_en", "before", "after"
    ]  # fmt: skip
    record = dict(zip(header, row, strict=True))
    assert record["seq"] == str(seq) and record["kind"] == "move" and record["by"] == "bob"
    assert record["at"].endswith("+09:00")
    assert record["session"] == "opening-ceremony" and record["room"] == "kins-7f-auditorium"
    assert record["subject_en"] == "Opening ceremony and MR hologram performance"
    assert record["subject_ko"] == "개막식 및 MR 홀로그램 퍼포먼스"
    assert json.loads(record["before"])["room"] == "gravity-space-ballroom"
    assert json.loads(record["after"])["room"] == "kins-7f-auditorium"


def test_log_csv_has_a_subject_column_for_each_of_the_events_languages():
    change = Change(
        seq=4, at=datetime(2023, 11, 29, 1, tzinfo=UTC), by="bob", kind="cancel", session_id="opening",
        subject={"ko": "Opening", "en": "Opening", "de": "Eröffnung"}, before=None, after=None,
    )  # fmt: skip
    header, row = read_csv_bytes(changes_csv([change], ZoneInfo("Europe/Berlin"), ("de", "en")))
    assert header == csv_columns(("de", "en"))
    record = dict(zip(header, row, strict=True))
    assert (record["subject_de"], record["subject_en"], "subject_ko" in record) == (
        "Eröffnung",
        "Opening",
        False,
    )


def test_log_csv_keeps_the_filters(make_changes, staff_client):
    make_changes(
        {"kind": "move", "session": "opening-ceremony", "room": "kins-7f-auditorium"},
        {"kind": "room_status", "room": "kins-7f-auditorium", "status": "full"},
    )
    rows = read_csv(staff_client.get("/staff/log.csv?kind=room_status"))
    assert [r[3] for r in rows[1:]] == ["room_status"]
    assert "/staff/log.csv?kind=room_status" in text(staff_client.get("/staff/log?kind=room_status"))


def test_log_csv_cells_cannot_run_as_formulas(make_changes, staff_client):
    make_changes({"kind": "announce", "text": {"en": "=1+1", "ko": "@SUM(A1)"}, "expires_in_minutes": 30})
    header, row = read_csv(staff_client.get("/staff/log.csv"))
    record = dict(zip(header, row, strict=True))
    assert record["subject_en"] == "'=1+1"
    assert json.loads(record["after"])["text"] == {"ko": "@SUM(A1)", "en": "=1+1"}


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("a=1", "a=1"),
        (7, "7"),
    ],
)
def test_csv_guard_prefixes_formula_starts(cell, guarded):
    assert guard_cell(cell) == guarded


def test_console_takes_its_limits_from_the_server(staff_client):
    page = text(staff_client.get("/staff/?lang=en"))
    limits = island(page)["limits"]
    assert limits == {
        "delay_min": DELAY_MINUTES[0], "delay_max": DELAY_MINUTES[1], "max_text": MAX_TEXT, "max_url": MAX_URL,
        "max_announcement_minutes": MAX_ANNOUNCEMENT_MINUTES,
    }  # fmt: skip
    assert f'min="{DELAY_MINUTES[0]}" max="{DELAY_MINUTES[1]}"' in page
    assert page.count(f'maxlength="{MAX_TEXT}"') == 3
    assert f'max="{MAX_ANNOUNCEMENT_MINUTES}"' in page
    assert f"from {DELAY_MINUTES[0]} to {DELAY_MINUTES[1]}, not 0" in json.dumps(island(page)["labels"])


def test_console_sessions_are_the_api_shape(app, staff_client):
    data = island(text(staff_client.get("/staff/?lang=en")))
    api = staff_client.get("/api/sessions").get_json()["sessions"]
    assert data["sessions"] == api


def test_console_and_log_survive_out_of_range_times_in_the_log(app, staff_client):
    """A change logged before times were bounded (year 9999) must not lock staff out of the console."""
    with app.app_context():
        far = {
            "venue": "kins-tower", "room": "kins-7f-auditorium", "start": "9999-12-31T23:00:00+00:00",
            "end": "9999-12-31T23:59:00+00:00", "status": "scheduled", "status_reason": None,
            "stream_status": "scheduled", "stream_url": None,
        }  # fmt: skip
        db.session.get(LogHead, 1).seq = 1
        db.session.add(
            Change(
                seq=1, kind="retime", session_id="gmp-audit", subject={"ko": "x", "en": "x"}, before=far,
                after={**far, "start": "0001-01-01T00:00:00+00:00"}, at=datetime.now(UTC), by="mallory",
            )
        )  # fmt: skip
        db.session.commit()
    for url in ("/staff/", "/staff/log", "/staff/changes.json", "/staff/log.csv"):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    assert "9999-12-31T23:00:00+00:00" in text(staff_client.get("/staff/log?lang=en"))


def test_console_retime_to_year_9999_is_refused(post_change):
    response = post_change(
        kind="retime", session="gmp-audit", start="9999-12-31T10:00:00+00:00", end="9999-12-31T11:00:00+00:00"
    )
    assert response.status_code == 400 and "within the event's days" in response.get_json()["message"]
