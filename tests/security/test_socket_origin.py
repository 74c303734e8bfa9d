"""The socket opens only for pages of the app's own origin (or a configured one), on the real server."""

import urllib.error
import urllib.request

import pytest
import websocket

from tests.servers import running_server

KIOSK = "https://kiosk.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("socket-origin")
    env = {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}", "SOCKETIO_ALLOWED_ORIGINS": KIOSK}
    with running_server(workdir, **env) as base_url:
        yield base_url


def open_socket(base_url: str, origin: str, **headers: str) -> str:
    """Open a websocket with this Origin; return the engine.io open packet's type, or raise."""
    url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    header = [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    ws = websocket.create_connection(url, origin=origin, header=header, timeout=5)
    try:
        return ws.recv()[0]
    finally:
        ws.close()


def poll(base_url: str, origin: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_the_apps_own_origin_opens_a_socket(server):
    assert open_socket(server, server) == "0"  # engine.io "open"


def test_a_configured_origin_opens_a_socket(server):
    assert open_socket(server, KIOSK) == "0"


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example"])
def test_a_foreign_origin_is_refused(server, origin):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        open_socket(server, origin)
    assert refused.value.status_code == 400
    assert poll(server, origin) == 400


def test_a_forwarded_host_is_not_believed_without_trusted_proxies(server):
    # engine.io's own default check (cors_allowed_origins=None) would accept this pair.
    with pytest.raises(websocket.WebSocketBadStatusException):
        open_socket(server, "http://evil.example", X_Forwarded_Host="evil.example")


def test_polling_from_the_own_origin_works(server):
    assert poll(server, server) == 200
