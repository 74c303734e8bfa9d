"""A websocket upgrade is answered from the request gevent's pywsgi parsed (transport.Handshake), with the
bytes simple-websocket and wsproto write, without parsing it again; a request they would refuse is
refused as they refuse it."""

import base64
import contextlib
import os
import socket

import pytest
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from wsproto import handshake as wsproto_handshake
from wsproto.utilities import RemoteProtocolError, generate_accept_token

from tests.live.test_per_client import Engine, masked
from webapp.live import transport
from webapp.live.clients import ClientBook


@pytest.fixture
def parses(monkeypatch):
    """Count the requests wsproto's handshake parses (with h11)."""
    counted, real = [], wsproto_handshake.H11Handshake.receive_data
    monkeypatch.setattr(
        wsproto_handshake.H11Handshake,
        "receive_data",
        lambda self, data: counted.append(data) or real(self, data),
    )
    return counted


def upgrade(**headers) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(os.urandom(16)).decode(),
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        **headers,
    }


def serve(environ: dict) -> tuple[bytes, dict]:
    """Run one websocket over a socket pair as engine.io would; return what the client read, and what
    the handler saw (the first message)."""
    server_side, client_side = socket.socketpair()
    client_side.sendall(masked("2probe"))
    seen = {}

    def handler(ws):
        ws.send("3probe")
        seen["received"] = ws.wait()
        return []

    websocket = transport._websocket_class(SimpleWebSocketWSGI, ClientBook())(handler, Engine())
    try:
        with contextlib.suppress(ConnectionError):  # engine.io's way of ending a werkzeug-mode websocket
            websocket({**environ, "werkzeug.socket": server_side}, lambda *args: None)
        client_side.settimeout(5)
        return client_side.recv(65536), seen
    finally:
        server_side.close()
        client_side.close()


def test_an_upgrade_is_answered_without_parsing_the_request_again(parses):
    environ = upgrade(HTTP_SEC_WEBSOCKET_EXTENSIONS="permessage-deflate; client_max_window_bits")
    answer, seen = serve(environ)
    accept = generate_accept_token(environ["HTTP_SEC_WEBSOCKET_KEY"].encode())
    assert answer == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n\x81\x063probe"
    )  # no Sec-WebSocket-Extensions: compression declined
    assert seen["received"] == "2probe"
    assert parses == []


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_WEBSOCKET_VERSION": "8"},
        {"HTTP_CONNECTION": "keep-alive"},
        {"HTTP_UPGRADE": "h2c"},
        {"HTTP_SEC_WEBSOCKET_KEY": ""},
        {"HTTP_HOST": ""},
    ],
)
def test_an_upgrade_wsproto_refuses_is_refused_as_before(parses, headers):
    environ = {k: v for k, v in upgrade(**headers).items() if v}
    with pytest.raises(RemoteProtocolError):
        serve(environ)
    assert len(parses) == 1  # simple-websocket's own handshake refused it


def test_start_up_is_refused_when_the_answer_is_not_wsprotos(monkeypatch):
    monkeypatch.setattr(
        transport, "accept_answer", lambda environ: b"HTTP/1.1 101 Switching Protocols\r\n\r\n"
    )
    with pytest.raises(transport.TransportError, match="Handshake"):
        transport.check()
