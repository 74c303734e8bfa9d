"""Pings from the server's one timer (transport.PingTimer), on the real server (serve.py on gevent): a
client that answers keeps getting them and stays connected; one that stops answering is closed at its
ping timeout. Over plain sockets; bounded waits only."""

import struct
import time
from concurrent.futures import ThreadPoolExecutor

from engineio.packet import PING

from tests.live.test_slow_reader import RawAttendee, start
from webapp.live import transport

INTERVAL = 1  # seconds, and as much for the timeout


def frames_for(raw: RawAttendee, seconds: float, answer: bool) -> tuple[list[str], str | None]:
    """Read what the server sends for `seconds`, answering each ping when told to; return the text
    frames, and how the connection ended (None while it is open)."""
    texts, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        raw.sock.settimeout(left)
        try:
            head, size = raw._take(2)
            payload = raw._take(size & 0x7F)  # pings, and a close frame: short
        except TimeoutError:
            break
        except (EOFError, ConnectionResetError):
            return texts, "end of stream"
        if head == 0x88:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            return texts, f"close frame {code}"
        texts.append(payload.decode())
        if answer and texts[-1] == "2":
            raw.send("3")
    return texts, None


def test_a_client_answering_pings_gets_them_every_interval_and_stays(tmp_path):
    _token, server = start(
        tmp_path, SOCKETIO_PING_INTERVAL=str(INTERVAL), SOCKETIO_PING_TIMEOUT=str(INTERVAL)
    )
    with server as url:
        clients = [RawAttendee(url) for _ in range(3)]
        try:
            # Four intervals and more: without pings, engine.io's writer would end each websocket after
            # ping_interval + ping_timeout (2 s) with an empty queue, and the clients give up too.
            with ThreadPoolExecutor(len(clients)) as pool:
                seen = list(pool.map(lambda raw: frames_for(raw, 5.5, answer=True), clients))
        finally:
            for raw in clients:
                raw.sock.close()
    for texts, ended in seen:
        assert ended is None
        assert texts.count("2") >= 4, texts  # one each interval


def test_a_client_that_stops_answering_pings_is_closed_at_its_ping_timeout(tmp_path):
    _token, server = start(
        tmp_path, SOCKETIO_PING_INTERVAL=str(INTERVAL), SOCKETIO_PING_TIMEOUT=str(INTERVAL)
    )
    with server as url:
        log_path = next(tmp_path.glob("server-*.log"))
        answering, silent = RawAttendee(url), RawAttendee(url)
        with ThreadPoolExecutor(1) as pool:
            try:
                kept = pool.submit(frames_for, answering, 8, answer=True)
                texts, ended = frames_for(silent, 8, answer=False)  # ping 1 s, timeout 1 s, the check's round
                kept = kept.result()
            finally:
                for raw in (answering, silent):
                    raw.sock.close()
        log = log_path.read_text()
    assert texts == ["2"]  # one ping, unanswered: no other
    assert ended is not None, "a client that answered no ping kept its connection past its ping timeout"
    assert kept[1] is None  # the other one, answering, stays
    assert "Traceback" not in log


class FakeServer:
    """engine.io's server as PingTimer sees it: its tasks are counted and run when the test says."""

    ping_interval = 0.05

    def __init__(self) -> None:
        self.tasks = []

    def start_background_task(self, target):
        self.tasks.append(target)

    def sleep(self, seconds):
        time.sleep(seconds)


class FakeSocket:
    def __init__(self, sid: int) -> None:
        self.sid, self.last_ping, self.closing, self.closed, self.sent = sid, 123.0, False, False, []

    def send(self, pkt):
        self.sent.append(pkt.packet_type)


def test_every_client_is_pinged_by_one_task_once_it_is_due():
    server = FakeServer()
    timer = transport.PingTimer(server)
    sockets = [FakeSocket(i) for i in range(200)]
    started = time.monotonic()
    for sock in sockets:
        timer.schedule(sock)
        timer.schedule(sock)  # twice before its ping (engine.io: a second pong): still one ping
    sockets[7].closed = True
    assert len(server.tasks) == 1  # one task for every client, not one each
    server.tasks.pop()()  # runs until no client waits
    assert time.monotonic() - started >= FakeServer.ping_interval
    assert [sock.sent for sock in sockets] == [[] if sock.sid == 7 else [PING] for sock in sockets]
    assert all(sock.last_ping >= started for sock in sockets if sock.sid != 7)
    timer.schedule(sockets[0])  # answered: the task starts again
    assert len(server.tasks) == 1
