"""The websocket close handshake: answered at once, the connection ended, its descriptor freed.

Both ways the app is served: serve.py (gevent's server, `make run`) and gunicorn's gevent worker
(`make cluster`).
"""

import socket
import time
from urllib.parse import urlsplit

import pytest
import socketio as python_socketio

from tests.cluster import wsclients
from tests.cluster.conftest import worker_pid
from tests.servers import running_server, serve_pid

CLOSE_REPLY = b"\x88\x02\x03\xe8"  # a Close frame, code 1000, unmasked: the server's answer
SMUGGLED = b"GET /staff/log.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """serve.py on SQLite: yield (port, pid)."""
    workdir = tmp_path_factory.mktemp("serve")
    with running_server(workdir, DATABASE_URL=f"sqlite:///{workdir / 'close.db'}") as url:
        port = urlsplit(url).port
        yield port, serve_pid(port)


@pytest.fixture(params=["serve.py", "gunicorn"])
def server(request):
    """Yield (port, pid) of a process serving websockets, one way or the other."""
    if request.param == "serve.py":
        return request.getfixturevalue("one_process")
    cluster = request.getfixturevalue("cluster")
    return cluster.app_ports[0], worker_pid(cluster, cluster.app_ports[0])


def test_python_socketio_client_closes_promptly(server):
    # How fast is a figure (`python -m tests.cluster.wsclients` prints it); here a generous deadline,
    # far below what a client waiting for a Close that never comes would take (its ping timeout, 20 s).
    port, _ = server
    client = python_socketio.Client(reconnection=False)
    client.connect(f"http://127.0.0.1:{port}", transports=["websocket"], wait_timeout=10)
    assert client.connected and client.get_sid() is not None
    start = time.monotonic()
    client.disconnect()
    assert not client.connected
    assert time.monotonic() - start < 5


def until_close_reply(sock) -> bytes:
    """Read what the server sends until its Close frame, within a generous deadline (socket timeout)."""
    sock.settimeout(10)
    received = b""
    while CLOSE_REPLY not in received:
        chunk = sock.recv(65536)
        assert chunk, f"the connection ended without a Close frame: {received!r}"
        received += chunk
    return received


def test_the_server_answers_close_with_close_and_ends_the_connection(server):
    port, _ = server
    sock = wsclients.open_websocket(port)
    sock.settimeout(10)  # the deadline: a server that keeps the connection open fails with TimeoutError
    received, _elapsed = wsclients.close_websocket(sock)
    assert received.endswith(CLOSE_REPLY)


def answer_to(port: int, request: bytes) -> bytes:
    """Send request on a connection of its own; return the server's whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_bytes_after_the_websocket_are_never_read_as_http(server):
    port, _ = server
    sock = wsclients.open_websocket(port)
    try:
        sock.sendall(wsclients.frame(8, wsclients.CLOSE_NORMAL))
        until_close_reply(sock)  # the server is alive and has answered the Close
        received = b""
        try:
            sock.sendall(SMUGGLED)
            while chunk := sock.recv(65536):
                received += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server had closed the connection: nothing after the websocket is read
    finally:
        sock.close()
    assert b"HTTP/1.1" not in received
    # Not because the server is gone: it is still up and answers the same bytes sent as a request.
    assert answer_to(port, SMUGGLED).startswith(b"HTTP/1.1 ")


def test_one_descriptor_per_websocket_all_freed_after_500_disconnect(server):
    port, pid = server
    wsclients.close_websocket(wsclients.open_websocket(port))  # the first client starts the queue listener
    count = wsclients.count(port, pid, 500)
    assert count.open - count.idle == 500
    assert count.after == count.idle
