"""The app refuses to start, with one sentence, when a library internal it hooks is missing; and what the
transport decides for every websocket (no compression)."""

import base64
import json
import os
import socket
import subprocess
import sys
import threading

import pytest
import socketio.server
from wsproto.frame_protocol import FrameProtocol

from tests.live.test_slow_reader import RawAttendee, pong_blindly, post_many
from tests.servers import ROOT, make_staff_token, running_server, server_env
from webapp import StartupError, create_app
from webapp.live import transport


def test_every_hooked_name_exists_in_the_pinned_libraries():
    transport.check()  # raises with the name that is missing


def test_a_missing_hooked_name_stops_start_up_with_one_sentence(monkeypatch, tmp_path):
    monkeypatch.setattr(
        transport, "HOOKS", (*transport.HOOKS, ("socketio.server", "Server._handle_gone", "a test's hook"))
    )
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"})
    assert str(refused.value) == (
        "socketio.server.Server._handle_gone is missing, and webapp.live needs it (a test's hook): "
        "install the versions pinned in requirements.txt."
    )


def test_serve_py_refuses_to_start_when_a_hooked_name_is_missing(tmp_path):
    # The real start: a hook renamed by an upgrade (here: deleted before the app is built).
    script = (
        "import socketio.server as s; del s.Server._handle_event\n"
        "import runpy, sys; sys.argv = ['serve.py']; runpy.run_path('serve.py', run_name='__main__')\n"
    )
    env = server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'refused.db'}", PORT="9", HOST="127.0.0.1")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Venue Live cannot start: socketio.server.Server._handle_event is missing, and webapp.live needs it "
        "(guard: only events the app reads are dispatched): install the versions pinned in requirements.txt."
    )


def test_a_hooked_method_whose_signature_changed_stops_start_up_with_one_sentence(monkeypatch, tmp_path):
    # An upgrade that gives a hooked private method another argument: the override would be called wrongly.
    monkeypatch.setattr(
        socketio.server.Server, "_handle_eio_message", lambda self, eio_sid, data, extra: None
    )
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"})
    assert str(refused.value) == (
        "socketio.server.Server._handle_eio_message takes (self, eio_sid, data, extra) where webapp.live "
        "expects (self, eio_sid, data) (guard: what cannot be decoded is counted): "
        "install the versions pinned in requirements.txt."
    )


def test_a_library_that_is_not_the_pinned_version_stops_start_up_with_one_sentence(monkeypatch, tmp_path):
    real = transport.metadata.version
    monkeypatch.setattr(
        transport.metadata, "version", lambda name: "4.16.0" if name == "python-engineio" else real(name)
    )
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"})
    assert str(refused.value) == (
        "python-engineio 4.16.0 is installed but webapp/live/transport.py was checked against 4.15.1 "
        "(requirements.txt): install the versions pinned in requirements.txt."
    )


def test_every_hook_with_a_signature_is_a_hooked_name():
    # A signature kept for a hook that was removed (or misspelt) would never be checked.
    hooked = {f"{module}.{path}" for module, path, _ in transport.HOOKS}
    assert set(transport.SIGNATURES) <= hooked


def test_a_websocket_offering_compression_is_answered_without_it(tmp_path):
    # Browsers and socket.io-client offer permessage-deflate; as Node's socket.io 4, the server declines.
    with running_server(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'deflate.db'}") as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n".encode()
            )
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += sock.recv(1)
            first = sock.recv(2)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    assert b"sec-websocket-extensions" not in answer.lower(), answer
    assert first[0] == 0x81  # engine.io's open packet: one whole text frame, not compressed (RSV1 unset)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_broadcast_is_framed_as_wsproto_frames_a_server_message(size):
    text = ("42" + "가나다x" * size)[:size]  # text of `size` characters, some of them three bytes in UTF-8
    assert transport.text_frame(text) == bytes(
        FrameProtocol(client=False, extensions=[]).send_data(text, fin=True)
    )


class TakesSome:
    """A socket that takes `room` more bytes without waiting, then none; sendall writes everything."""

    def __init__(self, room: int) -> None:
        self.room, self.stream = room, bytearray()

    def send(self, data, flags=0, timeout=None):
        taken = min(len(data), self.room)
        if not taken:
            raise BlockingIOError
        self.room -= taken
        self.stream += data[:taken]
        return taken

    def sendall(self, data, flags=0):
        self.stream += data


def test_the_rest_of_a_frame_written_in_part_goes_before_anything_else():
    sock = TakesSome(room=8)
    conn = transport.WholeSends(sock, sock)
    assert conn.write_now(b"first") == 5
    assert conn.write_now(b"second") == 3  # "sec" fits; "ond" is owed
    assert conn.write_now(b"third") is None  # nothing is written past what is owed
    conn.send(b"pong")  # simple-websocket's reader, or engine.io's writer
    conn.send(b"")  # the writer's Owed packet, once the rest went with the pong
    assert bytes(sock.stream) == b"firstsecondpong"


def test_a_client_that_reads_late_gets_every_change_whole_and_in_order(tmp_path):
    # More than the kernel buffers take (about 5 MB): the frames written at once run into a full send
    # buffer, one is written in part, and the rest follows through the client's queue.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'late.db'}", "SOCKETIO_MAX_QUEUED": str(64 * 1024 * 1024)}
    token = make_staff_token(env, "alice", "a long enough password")
    with running_server(tmp_path, **env) as url:
        late, stop = RawAttendee(url), threading.Event()
        threading.Thread(target=pong_blindly, args=(late, stop), daemon=True).start()
        try:
            posted = post_many(url, token, 2600)
            seqs = []
            while len(seqs) < len(posted):
                frame = late.frame()  # a cut frame fails here, or in the JSON below
                if frame.startswith("42"):
                    name, data = json.loads(frame[2:])
                    if name == "change":
                        seqs.append(data["seq"])
        finally:
            stop.set()
            late.sock.close()
    assert seqs == sorted(posted)
