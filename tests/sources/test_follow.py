"""Following a schedule: each new release served over HTTP becomes ordinary changes; staff edits win."""

import copy
import json
import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from webapp.extensions import db, socketio
from webapp.live.changes import apply_change
from webapp.live.log import head_seq
from webapp.models import Change
from webapp.sources import follow as follow_module
from webapp.sources.fetch import fetch
from webapp.sources.follow import Follower, follow, poll_seconds, recent_conflicts
from webapp.sources.model import ScheduleError

MOVED = "8079583e-8321-506c-95af-fd2903a5f075"  # Gray Room, 14 Dec 09:00: moved to Tan Room
SHIFTED = "2d64f8e2-26ee-529f-b5ab-3b3f326e31b9"  # Gray Room 09:30: retimed 30 minutes later
DISPUTED = "a179c8ac-e6eb-5b25-8ed0-c5828ef7b6d9"  # Gray Room 10:00: staff retime it, then the source
ADDED = "11111111-2222-4333-8444-555555555555"


def _events(data):
    for day in data["schedule"]["conference"]["days"]:
        for room, events in day["rooms"].items():
            for event in events:
                yield day, room, event


def next_release(data):
    """Return the democon schedule with one session moved, one shifted, one retimed, one removed, one added."""
    data = copy.deepcopy(data)
    removed = None
    for day, room, event in list(_events(data)):
        if event["guid"] == MOVED:
            day["rooms"][room].remove(event)
            day["rooms"]["Tan Room"].append({**event, "room": "Tan Room"})
        elif event["guid"] in (SHIFTED, DISPUTED):
            later = datetime.fromisoformat(event["date"]) + timedelta(
                minutes=30 if event["guid"] == SHIFTED else 60
            )
            event.update(date=later.isoformat(), start=later.strftime("%H:%M"))
        elif removed is None and event["guid"] not in (MOVED, SHIFTED, DISPUTED):
            removed = event["guid"]
            day["rooms"][room].remove(event)
    day, room, event = next(_events(data))
    day["rooms"][room].append(
        {
            **event,
            "guid": ADDED,
            "id": 9999,
            "title": "A talk added late",
            "date": "2020-12-14T18:00:00+01:00",
        }
    )
    data["schedule"]["version"] = "v1.2"
    return data, removed


def poll(app, follower):
    with app.app_context():
        return follower.poll()


def test_the_first_poll_of_the_imported_release_changes_nothing(followed):
    app, follower, _ = followed
    outcome = poll(app, follower)
    assert (outcome.status, outcome.changes) == ("applied", [])
    assert poll(app, follower).status == "not_modified"


def test_a_new_release_becomes_changes_by_the_source_and_staff_edits_win(followed, release_server):
    app, follower, first = followed
    poll(app, follower)
    with app.app_context():
        apply_change({"kind": "retime", "session": DISPUTED, "delay_minutes": 15}, by="alice")
    page = socketio.test_client(app, auth={"since": head_seq_of(app)})
    page.get_received()
    second, removed = next_release(first)
    release_server.body = json.dumps(second).encode()

    outcome = poll(app, follower)

    assert outcome.status == "applied"
    by = f"import:{release_server.url}"
    logged = app.test_client().get("/api/changes?since=1").get_json()["changes"]
    with app.app_context():  # who made a change is in the staff log, not in what attendees get
        made = [
            (c.kind, c.session_id, c.by) for c in db.session.scalars(sa.select(Change).where(Change.seq > 1))
        ]
    assert sorted(made) == sorted(
        [("move", MOVED, by), ("retime", SHIFTED, by), ("cancel", removed, by), ("add", ADDED, by)]
    )
    assert [c["seq"] for c in logged] == [2, 3, 4, 5]
    moved = next(c for c in logged if c["kind"] == "move")
    assert (moved["before"]["room"], moved["after"]["room"]) == ("room-0", "room-1")
    # Every phone hears each change like a staff change.
    pushed = [m["args"][0] for m in page.get_received() if m["name"] == "change"]
    assert [c["seq"] for c in pushed] == [2, 3, 4, 5]
    sessions = {s["id"]: s for s in app.test_client().get("/api/sessions").get_json()["sessions"]}
    assert sessions[ADDED]["title"]["en"] == "A talk added late"
    assert sessions[removed]["status"] == "cancelled"
    # Staff moved the disputed session 15 minutes; the source's 60 does not overwrite it, and says so.
    assert sessions[DISPUTED]["start"] == "2020-12-14T10:45:00+01:00" or sessions[DISPUTED]["start"].endswith(
        "+00:00"
    )
    with app.app_context():
        conflicts = recent_conflicts()
    assert [(c["session"], c["kind"]) for c in conflicts] == [(DISPUTED, "retime")]
    assert outcome.message.endswith(
        "; 1 conflicts kept staff's edit; 2 clashes (sessions overlapping in one room, listed on /staff/log)"
    )
    # The release moved and shifted sessions onto others in the Gray and Tan rooms: applied, and listed.
    assert sorted((c["session"], c["with"], c["room"]) for c in outcome.clashes) == [
        (SHIFTED, DISPUTED, "room-0"),  # Gray Room: 10:00 now, where staff put the disputed one at 10:15
        (MOVED, "3a74bb53-ef1a-57ce-9ba7-904d27e9eb5f", "room-1"),  # Tan Room at 09:00
    ]
    # One tap takes the source's value: the conflict carries the ordinary change that does it.
    with app.app_context():
        taken = apply_change(conflicts[0]["take_source"], by="alice")
    assert (taken.kind, taken.after["start"]) == ("retime", "2020-12-14T10:00:00+00:00")
    page.disconnect()


def head_seq_of(app):
    with app.app_context():
        return head_seq()


@pytest.mark.parametrize(
    ("serve", "status"),
    [
        (lambda s, first: setattr(s, "status", 503), "refused"),
        (lambda s, first: setattr(s, "body", b"<html>maintenance</html>"), "refused"),
        (lambda s, first: setattr(s, "body", b'{"schedule": {}}'), "refused"),
        (lambda s, first: setattr(s, "body", json.dumps(first).encode() + b" "), "older"),
    ],
    ids=["down", "garbage-xml", "not-a-schedule", "older-release"],
)
def test_a_bad_or_older_release_changes_nothing(followed, release_server, serve, status):
    app, follower, first = followed
    release_server.body = json.dumps(first).encode() + b" "
    poll(app, follower)
    second, _ = next_release(first)
    release_server.body = json.dumps(second).encode()
    poll(app, follower)
    before = head_seq_of(app)
    serve(release_server, first)
    assert poll(app, follower).status == status
    assert head_seq_of(app) == before


def test_an_earlier_release_served_again_moves_nothing_back_within_the_last_fifty(followed, release_server):
    """A source (or a stale cache before it) serving an old release again: while it is among the 50
    releases before the current one it is recognised and changes nothing; one further back is taken as new."""
    app, follower, first = followed

    def room_of_moved():
        sessions = app.test_client().get("/api/sessions").get_json()["sessions"]
        return next(s["room"] for s in sessions if s["id"] == MOVED)

    poll(app, follower)
    second, _ = next_release(first)
    for spaces in range(50):  # 50 releases with the same sessions, each its own file (trailing spaces)
        release_server.body = json.dumps(second).encode() + b" " * spaces
        assert poll(app, follower).status == "applied"
    assert room_of_moved() == "room-1"
    release_server.body = json.dumps(first).encode()
    assert poll(app, follower).status == "older"
    assert room_of_moved() == "room-1"

    release_server.body = json.dumps(second).encode() + b" " * 50  # the first release is now 51 back
    assert poll(app, follower).status == "applied"
    release_server.body = json.dumps(first).encode()
    assert poll(app, follower).status == "applied"
    assert room_of_moved() == "room-0"


def test_an_unknown_room_in_a_release_changes_nothing(followed, release_server):
    app, follower, first = followed
    poll(app, follower)
    second = copy.deepcopy(first)
    day, room, event = next(_events(second))
    day["rooms"][room].append({**event, "guid": ADDED, "room": "Broom Closet"})
    release_server.body = json.dumps(second).encode()
    outcome = poll(app, follower)
    assert outcome.status == "refused"
    assert outcome.message.startswith("Room 'Broom Closet' of the schedule is not in venues.geojson")
    assert head_seq_of(app) == 0


def test_a_poll_interval_below_five_seconds_is_refused():
    with pytest.raises(ScheduleError, match=r"^SCHEDULE_POLL_SECONDS: '1' is not a number of seconds"):
        poll_seconds("1")


def test_a_poll_interval_is_taken_from_five_seconds_to_a_day_and_not_beyond():
    assert (poll_seconds("5"), poll_seconds(86_400)) == (5.0, 86_400.0)
    for value in ("4.9", 86_400.5, "five", None):
        with pytest.raises(ScheduleError) as refused:
            poll_seconds(value)
        assert str(refused.value) == (
            f"SCHEDULE_POLL_SECONDS: {value!r} is not a number of seconds from 5 to 86400."
        )


STAFF_CANCELLED = "ba72da9d-a522-54f6-9301-4bf4f3446425"  # Tan Room 11:30, which no release changes


def test_a_session_back_in_the_schedule_is_restored_and_one_staff_cancelled_stays_cancelled(
    followed, release_server
):
    app, follower, first = followed
    poll(app, follower)
    second, removed = next_release(first)
    release_server.body = json.dumps(second).encode()
    assert poll(app, follower).status == "applied"  # `removed` cancelled by the source
    with app.app_context():
        apply_change({"kind": "cancel", "session": STAFF_CANCELLED, "reason": "Speaker ill"}, by="alice")
    third = copy.deepcopy(first)  # the first release again, under a new name: `removed` is back
    third["schedule"]["version"] = "v1.3"
    release_server.body = json.dumps(third).encode()
    head = head_seq_of(app)

    outcome = poll(app, follower)

    assert outcome.status == "applied"
    logged = app.test_client().get(f"/api/changes?since={head}").get_json()["changes"]
    assert ("restore", removed) in [(c["kind"], c["session"]) for c in logged]
    assert STAFF_CANCELLED not in [c["session"] for c in logged]
    sessions = {s["id"]: s for s in app.test_client().get("/api/sessions").get_json()["sessions"]}
    assert sessions[removed]["status"] == "scheduled"
    assert sessions[STAFF_CANCELLED]["status"] == "cancelled"  # staff's cancel stands
    assert sessions[ADDED]["status"] == "cancelled"  # gone from the source again


def test_a_poll_that_fails_unexpectedly_is_logged_and_the_follower_polls_on(
    followed, release_server, monkeypatch, caplog
):
    app, _, _ = followed
    failures = iter([RuntimeError("the disk is full")])

    def fetch_once_failing(source, *validators):
        if (failure := next(failures, None)) is not None:
            raise failure
        return fetch(source, *validators)

    monkeypatch.setattr(follow_module, "fetch", fetch_once_failing)
    slept, outcomes = [], []
    caplog.set_level(logging.INFO, logger=follow_module.__name__)

    follow(app, release_server.url, 7, polls=2, sleep=slept.append, report=outcomes.append)

    url = release_server.url
    assert [(o.status, o.message) for o in outcomes] == [
        ("refused", f"{url}: unexpected error (see the log); nothing changed."),
        ("applied", f"{url}: new release applied: no change to place or time"),
    ]
    assert slept == [7]  # between the two polls, not after the last
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == follow_module.__name__]
    assert logged == [
        ("ERROR", f"Following {url} failed; nothing changed"),
        ("WARNING", outcomes[0].message),
        ("INFO", outcomes[1].message),
    ]
    assert "RuntimeError: the disk is full" in caplog.text  # the traceback is in the log


def test_a_staff_edit_the_release_leaves_alone_or_agrees_with_stands_without_a_conflict(
    followed, release_server
):
    app, follower, first = followed
    poll(app, follower)
    with app.app_context():
        apply_change({"kind": "retime", "session": STAFF_CANCELLED, "delay_minutes": 15}, by="alice")
        apply_change(
            {"kind": "retime", "session": SHIFTED, "delay_minutes": 30, "allow_clash": True}, by="alice"
        )  # as the source will
    second, _ = next_release(first)
    release_server.body = json.dumps(second).encode()

    outcome = poll(app, follower)

    assert outcome.status == "applied" and outcome.conflicts == []
    assert "conflicts" not in outcome.message
    with app.app_context():
        assert recent_conflicts() == []
        by_source = {c.session_id for c in db.session.scalars(sa.select(Change).where(Change.by != "alice"))}
    assert DISPUTED in by_source and not by_source & {STAFF_CANCELLED, SHIFTED}


def test_who_made_a_change_is_the_source_cut_at_80_characters(followed, release_server):
    app, _, first = followed
    source = f"{release_server.url}?{'x' * 100}"
    follower = Follower(source)
    poll(app, follower)
    second, _ = next_release(first)
    release_server.body = json.dumps(second).encode()
    assert poll(app, follower).status == "applied"
    with app.app_context():
        assert set(db.session.scalars(sa.select(Change.by))) == {f"import:{source}"[:80]}


def test_the_follower_logs_each_conflict_and_clash_a_release_makes(followed, release_server, caplog):
    app, follower, first = followed
    poll(app, follower)
    with app.app_context():
        apply_change({"kind": "retime", "session": DISPUTED, "delay_minutes": 15}, by="alice")
    second, _ = next_release(first)
    release_server.body = json.dumps(second).encode()
    caplog.set_level(logging.INFO, logger=follow_module.__name__)
    outcomes = []

    follow(app, release_server.url, 5, polls=1, report=outcomes.append)

    [outcome] = outcomes
    assert (len(outcome.conflicts), len(outcome.clashes)) == (1, 2)
    warned = [
        r.getMessage()
        for r in caplog.records
        if r.name == follow_module.__name__ and r.levelname == "WARNING"
    ]
    assert warned == [f"Conflict kept staff's edit: {outcome.conflicts[0]}"] + [
        f"The release made sessions overlap in one room: {clash}" for clash in outcome.clashes
    ]


def test_a_release_removing_a_session_staff_cancelled_is_applied_and_leaves_it_be(followed, release_server):
    app, follower, first = followed
    poll(app, follower)
    with app.app_context():
        apply_change({"kind": "cancel", "session": STAFF_CANCELLED, "reason": "Speaker ill"}, by="alice")
    second = copy.deepcopy(first)
    for day, room, event in list(_events(second)):
        if event["guid"] == STAFF_CANCELLED:
            day["rooms"][room].remove(event)
    second["schedule"]["version"] = "v1.1"
    release_server.body = json.dumps(second).encode()
    head = head_seq_of(app)

    outcome = poll(app, follower)

    assert (outcome.status, outcome.message) == (
        "applied",
        f"{release_server.url}: new release applied: no change to place or time",
    )
    assert head_seq_of(app) == head
    sessions = {s["id"]: s for s in app.test_client().get("/api/sessions").get_json()["sessions"]}
    assert sessions[STAFF_CANCELLED]["status"] == "cancelled"
