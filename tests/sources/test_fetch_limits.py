"""A hostile or broken source cannot hold the follower or blow up its memory: each limit fails with one sentence.

Every server here listens on 127.0.0.1 only.
"""

import gzip
import json
import socket
import threading
import time

import pytest

from tests.servers import ReleaseHandler, serve_release
from tests.sources.conftest import EXAMPLES
from webapp.sources import fetch as fetch_module
from webapp.sources import follow as follow_module
from webapp.sources.fetch import fetch, read_schedule
from webapp.sources.follow import follow
from webapp.sources.model import ScheduleError

DRIP_SECONDS = 12  # how long the slow servers keep dripping; far longer than the deadline below
DEADLINE = 1.5


class Dripper:
    """A server on 127.0.0.1 that answers every request with `head`, then one byte a second of `body`."""

    def __init__(self, head: bytes, drip: bytes) -> None:
        self.head, self.drip = head, drip
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/schedule.json"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(self.head)
                for byte in self.drip[:DRIP_SECONDS]:
                    if self.stop.wait(1):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def short_deadline(monkeypatch):
    monkeypatch.setattr(fetch_module, "DEADLINE_SECONDS", DEADLINE, raising=False)


@pytest.mark.parametrize(
    ("head", "drip"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n", b"{" * 4000),
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a" * 4000),
    ],
    ids=["body", "headers"],
)
def test_a_source_that_drips_a_byte_a_second_is_cut_off_at_the_deadline(short_deadline, head, drip):
    server = Dripper(head, drip)
    started = time.monotonic()
    try:
        with pytest.raises(ScheduleError) as caught:
            fetch(server.url)
    finally:
        server.close()
    assert str(caught.value) == f"{server.url} did not send the whole schedule within 1.5 s; it is too slow."
    # A generous bound: without the deadline the fetch lasts as long as the drip (12 s).
    assert time.monotonic() - started < DRIP_SECONDS / 2


class Redirects(ReleaseHandler):
    """/moved redirects within this server; /away redirects to another local port; /loop to itself;
    /bomb.json is a compression bomb, /gzipped.json the body compressed; anything else the body."""

    def do_GET(self):
        targets = {"/moved": "/schedule.json", "/away": self.server.away, "/loop": "/loop"}
        if self.path in targets:
            self.send_body(b"", {"Location": targets[self.path]}, status=302)
        elif self.path == "/bomb.json":
            bomb = gzip.compress(b" " * (fetch_module.MAX_BYTES + 1024), compresslevel=9)
            self.send_body(bomb, {"Content-Encoding": "gzip"})
        elif self.path == "/gzipped.json":
            self.send_body(gzip.compress(self.server.body), {"Content-Encoding": "gzip"})
        else:
            self.send_body(self.server.body, {})


@pytest.fixture
def redirector():
    """Yield a server whose /away points at a second server (another port: another origin)."""
    body = (EXAMPLES / "pretalx-democon.json").read_bytes()
    with (
        serve_release(body, Redirects) as first,
        serve_release(b"the other origin was reached", Redirects) as second,
    ):
        first.away = second.away = f"{second.base}/schedule.json"
        yield first


def test_a_redirect_within_the_origin_is_followed(redirector):
    assert fetch(f"{redirector.base}/moved").raw == redirector.body


def test_a_redirect_to_another_origin_is_refused(redirector):
    with pytest.raises(ScheduleError) as caught:
        fetch(f"{redirector.base}/away")
    assert str(caught.value).startswith(
        f"{redirector.base}/away redirects to {redirector.away}, another origin; a schedule is followed only "
        "within its own origin"
    )


def test_a_redirect_loop_ends(redirector):
    with pytest.raises(ScheduleError, match=r"/loop redirects more than 5 times\.$"):
        fetch(f"{redirector.base}/loop")


def test_a_compressed_schedule_is_read_and_a_compression_bomb_refused(redirector):
    assert fetch(f"{redirector.base}/gzipped.json").raw == redirector.body
    with pytest.raises(ScheduleError) as caught:
        fetch(f"{redirector.base}/bomb.json")
    assert (
        str(caught.value)
        == f"{redirector.base}/bomb.json decompresses to more than 50 MB; that is not a schedule."
    )


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b'{"schedule": ' * 100_000 + b"1" + b"}" * 100_000],
    ids=["array", "objects"],
)
def test_json_nested_100000_deep_is_refused_with_one_sentence(raw):
    with pytest.raises(ScheduleError, match=r"^the source is JSON nested too deeply to be a schedule\.$"):
        read_schedule(raw, "the source")


def test_xml_nested_100000_deep_is_refused_with_one_sentence():
    raw = b"<schedule>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</schedule>"
    with pytest.raises(ScheduleError, match=r"^The source is not well-formed XML \(.*[Dd]epth"):
        read_schedule(raw, "the source")


def test_a_calendar_of_100000_events_is_refused_before_it_is_read():
    event = b"BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:x\r\nDTSTART:20250816T100000Z\r\nEND:VEVENT\r\n"
    raw = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + event * 100_000 + b"END:VCALENDAR\r\n"
    with pytest.raises(ScheduleError) as caught:
        read_schedule(raw, "the source")
    assert str(caught.value) == (
        "The source lists 100,000 events; more than 20,000 is not a schedule, so it is not read."
    )


def test_a_json_schedule_of_100000_events_is_refused():
    data = json.loads((EXAMPLES / "hub-schedule2.json").read_text())
    data["schedule"]["events"] = [{"title": "x", "start": "2024-12-27T10:30:00+01:00"}] * 100_000
    with pytest.raises(ScheduleError, match=r"^The source lists 100,000 events"):
        read_schedule(json.dumps(data).encode(), "the source")


def test_the_follower_keeps_polling_after_a_slow_source(
    short_deadline, followed, release_server, monkeypatch
):
    app, _, _ = followed
    server = Dripper(b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n", b"{" * 4000)
    # The first poll meets the slow server, the second the real release: the loop goes on regardless.
    addresses = iter([server.url, release_server.url])
    monkeypatch.setattr(
        follow_module, "fetch", lambda _source, *validators: fetch(next(addresses), *validators)
    )
    outcomes = []
    try:
        follow(app, "the schedule", 5, polls=2, sleep=lambda _seconds: None, report=outcomes.append)
    finally:
        server.close()
    assert [o.status for o in outcomes] == ["refused", "applied"]
    assert outcomes[0].message == (
        f"{server.url} did not send the whole schedule within 1.5 s; it is too slow. Nothing changed."
    )
