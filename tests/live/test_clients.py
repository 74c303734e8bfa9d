"""Each client's catch-up budget: a few answers a second, merged while pending, abusers cut off."""

import pytest

from webapp.live import clients as clients_module
from webapp.live.clients import ABUSE_BURST, Bucket, ClientBook


@pytest.fixture
def book(monkeypatch):
    monkeypatch.setattr(clients_module, "ABUSE_RATE", 0.001)  # no refill while the test runs
    book = ClientBook()
    book.connect("sid")
    return book


def test_a_bucket_gives_its_burst_then_waits_for_its_rate():
    bucket = Bucket(rate=2.0, burst=3)
    now = bucket.stamp
    assert [bucket.take(now) for _ in range(4)] == [True, True, True, False]
    assert bucket.wait(now) == pytest.approx(0.5)
    assert bucket.take(now + 0.5)


def test_a_bucket_waits_only_for_the_part_of_a_token_it_lacks():
    bucket = Bucket(rate=2.0, burst=3)
    now = bucket.stamp
    assert bucket.wait(now) == 0  # a token is there
    for _ in range(3):
        bucket.take(now)
    assert bucket.wait(now + 0.25) == pytest.approx(0.25)  # half a token earned: half a token to wait for
    assert bucket.wait_for(2, now + 0.25) == pytest.approx(0.75)


def test_a_sync_while_one_is_pending_is_merged_into_it(book):
    assert book.ask("sid", 5) == "answer"
    assert book.ask("sid", 3) == "merged"
    assert book.ask("sid", 4) == "merged"
    assert book.get("sid").wanted == 3  # the lowest since wins: nothing is skipped
    assert book.get("sid").ignored["merged sync"] == 2


def test_a_client_sending_syncs_far_too_fast_is_abusing(book):
    verdicts = [book.ask("sid", 0) for _ in range(ABUSE_BURST + 1)]
    assert verdicts[0] == "answer"
    assert verdicts[-1] == "abuse"
    assert "abuse" not in verdicts[:-1][: ABUSE_BURST - 1]


def test_ignored_packets_are_logged_once_per_kind_and_counted_when_the_client_leaves(book, caplog):
    for _ in range(5000):
        book.ignore("sid", "unknown event", "socket event 'x'")
    book.forget("sid")
    lines = [r.getMessage() for r in caplog.records if r.name == clients_module.__name__]
    assert len(lines) == 2
    assert lines[1] == "client sid left; ignored from it: 5000 unknown event"


def test_a_client_that_left_is_not_remembered_again(book):
    book.forget("sid")
    book.ignore("sid", "unknown event", "late")
    book.ask("sid", 0)
    assert book._clients == {}


def test_a_clients_text_goes_in_the_log_cut_to_its_limit():
    assert clients_module.shown("short") == "'short'"
    long = clients_module.shown("x" * 500)
    assert len(long) == clients_module.SHOWN and long.endswith("...") and long.startswith("'xxx")
    exactly = "y" * (clients_module.SHOWN - 2)  # with its quotes, just at the limit: kept whole
    assert clients_module.shown(exactly) == repr(exactly)


def test_a_client_leaving_is_counted_in_a_line_from_its_second_ignored_packet(book, caplog):
    book.connect("quiet")
    book.forget("quiet")  # nothing ignored: no line
    book.ignore("sid", "unknown event", "socket event 'x'")
    book.forget("sid")  # one: its first-of-its-kind line said it all
    book.forget("sid")  # gone already: nothing to count
    book.connect("two")
    book.ignore("two", "unknown event", "socket event 'x'")
    book.ignore("two", "merged sync", "a sync while one was pending")
    book.forget("two")
    lines = [r.getMessage() for r in caplog.records if r.name == clients_module.__name__]
    assert lines == [
        "ignored socket event 'x' from sid (more of this kind are counted until it leaves)",
        "ignored socket event 'x' from two (more of this kind are counted until it leaves)",
        "ignored a sync while one was pending from two (more of this kind are counted until it leaves)",
        "client two left; ignored from it: 1 merged sync, 1 unknown event",
    ]
