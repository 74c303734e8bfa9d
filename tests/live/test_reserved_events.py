"""Nothing a client sends resets what the server counts for its connection, or reaches a handler it may not call.

Real server (serve.py on gevent), raw websockets speaking the wire protocol, bounded in count.
"""

import json
import re
import time

import pytest
import websocket

from tests.servers import running_server
from webapp.live.clients import ABUSE_BURST

SYNC = '42["sync",{"since":0}]'


@pytest.fixture
def server(tmp_path):
    """A running server: (base URL, log path)."""
    with running_server(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'reserved.db'}") as url:
        yield url, next(tmp_path.glob("server-*.log"))


def join(url: str) -> websocket.WebSocket:
    """Open a websocket and join the default namespace without a since, as a page would."""
    ws = websocket.create_connection(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", origin=url, timeout=10
    )
    assert ws.recv().startswith("0{")
    ws.send("40")
    assert ws.recv().startswith("40{")
    return ws


def send_all(ws: websocket.WebSocket, packets: list[str]) -> None:
    """Send packets as fast as the socket takes them, until the server closes it."""
    try:
        for packet in packets:
            ws.send(packet)
    except (websocket.WebSocketException, ConnectionError):
        pass


def read_until_closed(ws: websocket.WebSocket, seconds: float) -> tuple[list[str], bool]:
    """Read for up to `seconds`: return the socket.io event names sent, and whether the server closed it."""
    names, deadline = [], time.monotonic() + seconds
    ws.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return names, True
        if frame in ("", "1", "41"):
            return names, True
        if frame == "2":
            ws.send("3")
        elif frame.startswith("42"):
            names.append(json.loads(frame[2:])[0])
    return names, False


def log_after(path, text: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while text not in (log := path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return log


@pytest.mark.parametrize("reserved", ['42["disconnect"]', '42["connect"]', '42["connect",{"since":0}]'])
def test_a_reserved_event_name_does_not_reset_the_sync_budget(server, reserved):
    url, log_path = server
    flooder = join(url)
    burst = ([SYNC] * 200 + [reserved]) * (3 * ABUSE_BURST // 200)
    try:
        send_all(flooder, burst)
        names, closed = read_until_closed(flooder, 15)
    finally:
        flooder.close(timeout=1)
        flooder.shutdown()
    assert closed, "the flooder was never cut off"
    assert names.count("synced") <= 5, names
    log = log_after(log_path, "left; ignored from it")
    assert f"ignored socket event {json.loads(reserved[2:])[0]!r}" in log
    assert re.search(r"left; ignored from it: .*\d+ unknown event", log)


def test_leaving_the_namespace_ends_the_connection_so_it_cannot_join_afresh(server):
    url, _ = server
    ws = join(url)
    try:
        ws.send("41")
        names, closed = read_until_closed(ws, 5)
    finally:
        ws.close(timeout=1)
        ws.shutdown()
    assert closed and names == []


def test_misbehaviour_is_logged_once_per_kind_whatever_the_client_sends(server):
    url, log_path = server
    ws = join(url)
    kinds = ['42["disconnect"]', '42["connect"]', '42["nope"]', '42["sync","all"]', "42[", "x", "hello"]
    try:
        send_all(ws, kinds * 300)
        ws.send("41")
        read_until_closed(ws, 5)
    finally:
        ws.close(timeout=1)
        ws.shutdown()
    log = log_after(log_path, "left; ignored from it")
    lines = [line for line in log.splitlines() if "ignored" in line]
    # unknown event, malformed sync, malformed packet, not an engine.io packet: one line each, one summary
    assert len(lines) == 5, lines
    assert "Traceback" not in log
    summary = lines[-1]
    for counted in (
        "900 unknown event",
        "300 malformed sync",
        "300 malformed packet",
        "600 not an engine.io packet",
    ):
        assert counted in summary, summary


@pytest.mark.parametrize("frame", ["", "x", "hello", "b!!", "9"])
def test_a_text_frame_that_is_not_an_engine_io_packet_is_one_line_not_a_traceback(server, frame):
    url, log_path = server
    ws = join(url)
    try:
        for _ in range(20):
            ws.send(frame)
        ws.send('42["sync",{"since":0}]')
        names, closed = read_until_closed(ws, 2)
    finally:
        ws.close(timeout=1)
        ws.shutdown()
    assert names == ["synced"] and not closed  # the connection goes on
    log = log_after(log_path, "left; ignored from it")
    assert "Traceback" not in log
    assert len([line for line in log.splitlines() if "ignored" in line]) == 2
