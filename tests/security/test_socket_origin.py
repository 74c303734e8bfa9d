"""The socket opens only for pages of the app's own origin (or a configured one), on the real server."""

import urllib.error
import urllib.request

import pytest
import websocket

from tests.servers import running_server

KIOSK = "https://kiosk.example"
# The app's own origin behind a TLS proxy (TRUSTED_PROXIES=1): what the proxy says the client asked for.
PUBLIC_ORIGIN = "https://live.example.org"
FORWARDED = {"X_Forwarded_Proto": "https", "X_Forwarded_Host": "live.example.org"}


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


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """A server behind a (pretended) TLS proxy: it believes X-Forwarded-Proto and X-Forwarded-Host."""
    workdir = tmp_path_factory.mktemp("socket-origin-proxied")
    env = {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}", "TRUSTED_PROXIES": "1"}
    with running_server(workdir, **env) as base_url:
        yield base_url


def poll(base_url: str, origin: str, **headers: str) -> int:
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    request = urllib.request.Request(
        f"{base_url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin, **headers}
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


def refused_on_both_transports(base_url: str, origin: str, **headers: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        open_socket(base_url, origin, **headers)
    assert refused.value.status_code == 400
    assert poll(base_url, origin, **headers) == 400


def test_an_origin_that_only_begins_with_an_allowed_one_is_refused(server):
    # An origin is compared whole: a host named after ours is someone else's (issue 23).
    refused_on_both_transports(server, f"{server}.evil.example")
    refused_on_both_transports(server, f"{server}0")
    refused_on_both_transports(server, f"{KIOSK}.evil.example")
    refused_on_both_transports(server, f"{server}/")


def test_behind_a_tls_proxy_the_public_origin_opens_a_socket_and_its_lookalikes_do_not(proxied):
    assert open_socket(proxied, PUBLIC_ORIGIN, **FORWARDED) == "0"
    assert poll(proxied, PUBLIC_ORIGIN, **FORWARDED) == 200
    for origin in (
        f"{PUBLIC_ORIGIN}.evil.example",
        "https://live.example.org:8443",
        "http://live.example.org",
    ):
        refused_on_both_transports(proxied, origin, **FORWARDED)


def test_a_forwarded_host_is_not_believed_without_trusted_proxies(server):
    # engine.io's own default check (cors_allowed_origins=None) would accept this pair.
    with pytest.raises(websocket.WebSocketBadStatusException):
        open_socket(server, "http://evil.example", X_Forwarded_Host="evil.example")


def test_polling_from_the_own_origin_works(server):
    assert poll(server, server) == 200
