"""The outbox against a real (local) push service: encryption, VAPID, debounce, undo, failures."""

import re
import threading
import time
from datetime import timedelta

import pytest

from tests.push.conftest import NOW
from tests.push.pushservice import verify_vapid
from webapp.extensions import db
from webapp.models import Session
from webapp.push.models import PushNotice, PushSubscription
from webapp.push.worker import claim_due
from webapp.staff.accounts import create_staff

SESSION = "medical-data-platform"  # 10:00 in KINS Tower 7F Auditorium


def test_move_reaches_the_subscriber_encrypted_and_signed(
    push_app, push_service, subscribe, change, send_due
):
    browser = subscribe(SESSION, lang="en")
    change(kind="move", session=SESSION, room="kins-7f-meeting-room")
    [notice] = send_due()
    [got] = push_service.to(browser)
    message = browser.decrypt(got.body)
    assert message["body"] == (
        "Industrial use of medical data and the Seongnam medical data platform"
        " moved to KINS Tower · 7F Meeting Room, 10:00"
    )
    assert message["url"] == f"/sessions/{SESSION}?lang=en"
    assert message["tag"] == f"session-{SESSION}"
    assert got.headers["content-encoding"] == "aes128gcm"
    assert got.headers["urgency"] == "high"
    assert 300 <= int(got.headers["ttl"]) <= 86400
    assert len(got.headers["topic"]) <= 32
    with push_app.app_context():
        claims = verify_vapid(got.headers["authorization"], push_app.extensions["vapid"].public_key)
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == push_app.config["VAPID_SUBJECT"]
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert (notice.state, notice.sent, notice.failed) == ("sent", 1, 0)


def test_notice_is_in_the_language_each_subscriber_chose(push_service, subscribe, change, send_due):
    korean, english = subscribe(SESSION, lang="ko"), subscribe(SESSION, lang="en")
    change(kind="cancel", session=SESSION)
    send_due()
    assert korean.decrypt(push_service.to(korean)[0].body)["body"].startswith("[취소] ")
    assert english.decrypt(push_service.to(english)[0].body)["body"].endswith("is cancelled.")


def test_nothing_is_sent_before_the_minute_is_up(push_service, subscribe, change, send_due):
    subscribe(SESSION)
    change(kind="cancel", session=SESSION)
    assert send_due(minutes=0.5) == []
    assert push_service.received == []


def test_changes_within_a_minute_become_one_notice(push_service, subscribe, change, send_due):
    browser = subscribe(SESSION)
    change(0, kind="retime", session=SESSION, delay_minutes=15)
    change(0.5, kind="move", session=SESSION, room="kins-7f-meeting-room")
    [notice] = send_due()
    [got] = push_service.to(browser)
    assert browser.decrypt(got.body)["body"].endswith("10:15")
    assert (notice.first_seq, notice.last_seq) == (1, 2)


def test_change_undone_within_the_minute_sends_nothing(push_service, subscribe, change, send_due):
    subscribe(SESSION)
    seq = change(0, kind="move", session=SESSION, room="kins-7f-meeting-room")
    change(0.5, kind="undo", seq=seq)
    [notice] = send_due()
    assert push_service.received == []
    assert notice.state == "skipped"


def test_unfollowed_session_makes_no_notice(push_app, push_service, subscribe, change, send_due):
    subscribe("dentistry-keynote")
    change(kind="cancel", session=SESSION)
    assert send_due() == []
    with push_app.app_context():
        assert db.session.query(PushNotice).count() == 0


def test_room_full_notice_says_where_else_to_go(push_service, subscribe, change, send_due):
    browser = subscribe(SESSION)
    change(70, kind="room_status", room="kins-7f-auditorium", status="full")
    send_due(minutes=72)
    body = browser.decrypt(push_service.to(browser)[0].body)["body"]
    assert "7F Auditorium is full for Industrial use of medical data" in body
    assert "Also now: " in body and "min walk" in body


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_removed(push_app, push_service, subscribe, change, send_due, status):
    gone, kept = subscribe(SESSION), subscribe(SESSION)
    push_service.reply(gone.endpoint.removeprefix(push_service.origin), status)
    change(kind="cancel", session=SESSION)
    [notice] = send_due()
    assert (notice.sent, notice.removed, notice.failed) == (1, 1, 0)
    with push_app.app_context():
        assert [s.endpoint for s in db.session.query(PushSubscription)] == [kept.endpoint]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_push_service_is_retried(push_service, subscribe, change, send_due, status):
    browser = subscribe(SESSION)
    push_service.reply(
        browser.endpoint.removeprefix(push_service.origin), status, (status, {"Retry-After": "0"})
    )
    change(kind="cancel", session=SESSION)
    [notice] = send_due()
    assert len(push_service.to(browser)) == 3
    assert (notice.sent, notice.failed) == (1, 0)


def test_push_service_that_keeps_failing_is_counted_as_failed(push_service, subscribe, change, send_due):
    browser = subscribe(SESSION)
    push_service.reply(browser.endpoint.removeprefix(push_service.origin), *[502] * 4)
    change(kind="cancel", session=SESSION)
    [notice] = send_due()
    assert len(push_service.to(browser)) == 4
    assert (notice.sent, notice.failed, notice.removed) == (0, 1, 0)


def test_refused_message_is_not_retried(push_service, subscribe, change, send_due):
    browser = subscribe(SESSION)
    push_service.reply(browser.endpoint.removeprefix(push_service.origin), 413)
    change(kind="cancel", session=SESSION)
    [notice] = send_due()
    assert len(push_service.to(browser)) == 1
    assert notice.failed == 1


def test_hanging_push_service_does_not_hold_up_staff_changes(push_service, subscribe, change, send_due):
    subscribe(SESSION)
    change(kind="cancel", session=SESSION)
    push_service.hold.clear()  # the push service takes the request and does not answer
    sending = threading.Thread(target=send_due)
    sending.start()
    assert push_service.got_request.wait(10)
    seq = change(1.5, kind="restore", session=SESSION)  # returns while the push request hangs
    assert sending.is_alive()
    push_service.hold.set()
    sending.join(10)
    assert seq == 2


def test_a_due_notice_is_claimed_by_one_sender_only(push_app, subscribe, change):
    subscribe(SESSION)
    change(kind="cancel", session=SESSION)

    with push_app.app_context():
        first = claim_due(NOW + timedelta(minutes=2), sender="one")
        second = claim_due(NOW + timedelta(minutes=2), sender="two")
        later = claim_due(NOW + timedelta(minutes=9), sender="three")  # not stale yet: still one's
        stale = claim_due(NOW + timedelta(minutes=13), sender="four")  # one died: it goes out again
        after = claim_due(NOW + timedelta(minutes=13), sender="five")
    assert len(first) == 1 and second == [] and later == []
    assert stale == first and after == []


def test_staff_log_shows_what_was_sent_skipped_and_failed(
    push_app, push_service, subscribe, change, send_due
):
    gone = subscribe(SESSION)
    subscribe(SESSION)
    push_service.reply(gone.endpoint.removeprefix(push_service.origin), 410)
    change(0, kind="cancel", session=SESSION)
    send_due(minutes=2)
    subscribe("dentistry-keynote")
    seq = change(3, kind="retime", session="dentistry-keynote", delay_minutes=5)
    change(3.5, kind="undo", seq=seq)
    with push_app.app_context():
        create_staff("alice", "a-long-password-123")
    client = push_app.test_client()
    client.post("/login", data={"name": "alice", "password": "a-long-password-123"})
    send_due(minutes=6)
    page = client.get("/staff/log?lang=en").get_data(as_text=True)
    totals = re.search(r'id="push-totals">([^<]+)<', page).group(1)
    assert (
        totals
        == "1 sent · 0 failed · 1 expired subscriptions removed · 1 notices skipped (undone or nothing to tell) · 0 waiting"
    )
    # The sent notice reads in the log's language: what it said in English, and in Korean.
    sent = re.compile(r'<li data-notice="\d+"><strong>sent</strong> · ' + SESSION + r" · #\d+ · ([^<]+) <")
    with push_app.app_context():
        titles = db.session.get(Session, SESSION).titles
    assert sent.findall(page) == [f"{titles['en']} is cancelled."]
    assert sent.findall(client.get("/staff/log?lang=ko").get_data(as_text=True)) == [f"[취소] {titles['ko']}"]
