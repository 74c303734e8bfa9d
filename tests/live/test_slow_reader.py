"""A client that reads slowly or not at all, on the real server (serve.py on gevent), over a plain socket.

One that stops reading is cut off once the server holds SOCKETIO_MAX_QUEUED for it, while another client
gets every change; one that reads slowly gets whole frames (simple-websocket used to drop what gevent's
send() did not write); one that stops reading and answering pings is reset at its ping timeout. Bounded
waits only, and bounded in count.
"""

import base64
import json
import os
import re
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import socketio as python_socketio

from tests.servers import make_staff_token, post_change, running_server

LONGEST = {"kind": "announce", "text": {"ko": "가" * 280, "en": "x" * 280}, "expires_in_minutes": 60}
SYNC = '42["sync",{"since":0}]'


class RawAttendee:
    """A websocket attendee on a plain socket with a small receive buffer: it reads only when told to."""

    def __init__(self, url: str, rcvbuf: int = 4096) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: a small window
        self.sock.settimeout(10)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.buf = bytearray()
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(1)
        assert self.buf.startswith(b"HTTP/1.1 101"), bytes(self.buf)
        self.buf.clear()
        opened = self.frame()
        assert opened.startswith("0{")  # engine.io open
        self.sid = json.loads(opened[1:])["sid"]
        self.send("40")
        assert self.frame().startswith("40{")  # joined the default namespace

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the server closed the connection")
            self.buf += data
        taken = bytes(self.buf[:n])
        del self.buf[:n]
        return taken

    def frame(self) -> str:
        """Read one text frame the server sent (unmasked), as text."""
        head, size = self._take(2)
        assert head == 0x81, f"not a whole text frame: header byte {head:#x}"
        size &= 0x7F
        if size == 126:
            size = struct.unpack(">H", self._take(2))[0]
        elif size == 127:
            size = struct.unpack(">Q", self._take(8))[0]
        return self._take(size).decode()

    def send(self, text: str) -> None:
        """Send one masked text frame (short: a ping answer or a sync)."""
        data, mask = text.encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask + masked)

    def closed_by_server(self, seconds: float = 10) -> bool:
        """Read (and throw away) what arrives for up to `seconds`; tell whether the server closed or reset it."""
        deadline = time.monotonic() + seconds
        self.sock.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                continue
            except ConnectionResetError:
                return True
        return False


def pong_blindly(raw: RawAttendee, stop: threading.Event) -> None:
    """Answer pings it never reads, as a client can: the server's ping timeout never ends it."""
    while not stop.wait(0.5):
        try:
            raw.send("3")
        except OSError:  # reset by the server
            return


def listener(url: str, seqs: list, events: list) -> python_socketio.Client:
    """An ordinary client that notes every change's seq, in the order they arrive, and any disconnect."""
    client = python_socketio.Client()
    client.on("change", lambda change: seqs.append(change["seq"]))
    client.on("disconnect", lambda *reason: events.append("disconnect"))
    client.connect(url, transports=["websocket"], auth={"since": 0}, wait_timeout=10)
    return client


def post_many(url: str, token: str, count: int, change: dict = LONGEST) -> list[int]:
    """Post `count` changes from four staff clients at once; return their seqs."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: post_change(url, token, change)["seq"], range(count)))


def wait_until(predicate, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def start(tmp_path, **env):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'slow.db'}", **env}
    token = make_staff_token(env, "alice", "a long enough password")
    return token, running_server(tmp_path, **env)


LIMIT = 256 * 1024


def test_a_client_that_stops_reading_is_cut_off_and_the_others_get_every_change(tmp_path):
    token, server = start(tmp_path, SOCKETIO_MAX_QUEUED=str(LIMIT))
    with server as url:
        log_path = next(tmp_path.glob("server-*.log"))
        seqs, events = [], []
        other = listener(url, seqs, events)
        stuck, stop = RawAttendee(url), threading.Event()
        threading.Thread(target=pong_blindly, args=(stuck, stop), daemon=True).start()
        posted = []
        try:
            # Its kernel buffers take a few MB first (loopback); then the server holds LIMIT for it.
            while "disconnecting connection" not in log_path.read_text() and len(posted) < 3000:
                posted += post_many(url, token, 100)
            closed = stuck.closed_by_server()
            wait_until(lambda: len(seqs) >= len(posted))
        finally:
            stop.set()
            other.disconnect()
            stuck.sock.close()
        log = log_path.read_text()
    assert closed, "the server did not close the connection of a client that stopped reading"
    assert seqs == sorted(posted)  # the other client got every change, once and in order
    assert events == ["disconnect"]  # and stayed connected until it left itself
    lines = re.findall(r"disconnecting connection (\S+): it is not reading.*", log)
    assert lines == [stuck.sid]  # logged once, though changes kept coming
    assert "Traceback" not in log


ROUNDS = 4


def test_a_client_reading_slowly_gets_whole_frames(tmp_path):
    token, server = start(tmp_path)
    with server as url:
        post_many(url, token, 520)  # active announcements: a snapshot of about 1 MB
        reader = RawAttendee(url)
        names = []
        try:
            reader.send(SYNC)  # more than 500 behind: a snapshot
            for i in range(ROUNDS):  # and one after each new change: 5 MB, more than the kernel buffers take
                time.sleep(0.6)  # within its catch-up budget (2 a second)
                status = "full" if i % 2 == 0 else "open"
                head = post_change(
                    url, token, {"kind": "room_status", "room": "hip-future-hall", "status": status}
                )
                reader.send(SYNC)
            # Only now does it read: the server has been writing into a full send buffer.
            while names.count("synced") <= ROUNDS:
                frame = reader.frame()  # a cut frame fails here, or in the JSON below
                if frame.startswith("42"):
                    name, data = json.loads(frame[2:])
                    names.append(name)
        finally:
            reader.sock.close()
    assert names.count("snapshot") == ROUNDS + 1 and names.count("change") == ROUNDS
    assert data == {"seq": head["seq"]}  # the last catch-up brought it to the head


def ends_with_a_reset(raw: RawAttendee, quiet_for: float) -> bool:
    """Read nothing for `quiet_for` seconds, then all there is: tell whether it ends in a reset, not a close.

    Pending data is still read after a reset (tcp_recvmsg returns what is queued before the error), so
    the reset shows only at the end. A server that waited instead would now write the rest, then its
    engine.io CLOSE packet and a clean end of stream.
    """
    time.sleep(quiet_for)
    raw.sock.settimeout(10)
    try:
        while raw.sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def test_a_client_that_stops_reading_and_answering_is_reset_at_its_ping_timeout(tmp_path):
    """Below the queue limit, a client gone quiet still holds a blocked writer: its ping timeout ends it."""
    token, server = start(tmp_path, SOCKETIO_PING_INTERVAL="1", SOCKETIO_PING_TIMEOUT="1")
    with server as url:
        log_path = next(tmp_path.glob("server-*.log"))
        post_many(url, token, 520)  # a snapshot of about 1 MB
        quiet, quiet_now = RawAttendee(url), threading.Event()
        threading.Thread(target=pong_blindly, args=(quiet, quiet_now), daemon=True).start()
        try:
            for i in range(ROUNDS + 1):  # 5 MB of snapshots: more than the kernel buffers take
                if i:
                    status = "full" if i % 2 else "open"
                    post_change(
                        url, token, {"kind": "room_status", "room": "hip-future-hall", "status": status}
                    )
                quiet.send(SYNC)
                time.sleep(0.6)  # within its catch-up budget
            quiet_now.set()  # from now on it neither reads nor answers pings
            reset = ends_with_a_reset(quiet, quiet_for=8)  # ping 1 s + timeout 1 s, and the check's round
        finally:
            quiet_now.set()
            quiet.sock.close()
        log = log_path.read_text()
    assert reset, "a client that stopped reading and answering kept its connection past its ping timeout"
    assert "Traceback" not in log
