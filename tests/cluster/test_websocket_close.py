"""The websocket close handshake: answered at once, the connection ended, its descriptor freed.

Both ways the app is served: serve.py (gevent's server, `make run`) and gunicorn's gevent worker
(`make cluster`).
"""

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


def test_python_socketio_client_closes_in_under_100_ms(server):
    port, _ = server
    client = python_socketio.Client(reconnection=False)
    client.connect(f"http://127.0.0.1:{port}", transports=["websocket"], wait_timeout=10)
    start = time.monotonic()
    client.disconnect()
    assert time.monotonic() - start < 0.1


def test_the_server_answers_close_with_close_and_ends_the_connection(server):
    port, _ = server
    received, elapsed = wsclients.close_websocket(wsclients.open_websocket(port))
    assert received.endswith(CLOSE_REPLY)
    assert elapsed < 0.1


def test_bytes_after_the_websocket_are_never_read_as_http(server):
    port, _ = server
    sock = wsclients.open_websocket(port)
    sock.sendall(wsclients.frame(8, wsclients.CLOSE_NORMAL))
    time.sleep(0.2)
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


def test_one_descriptor_per_websocket_all_freed_after_500_disconnect(server):
    port, pid = server
    wsclients.close_websocket(wsclients.open_websocket(port))  # the first client starts the queue listener
    count = wsclients.count(port, pid, 500)
    assert count.open - count.idle == 500
    assert count.after == count.idle
