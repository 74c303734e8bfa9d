"""What the server keeps for each websocket client, once it is connected: one WSGI environ (shared with
python-socketio, not a copy: transport.share_environ), no finished handshake (transport._SHAKEN), and
neither the HTTP handler's read buffer nor its parsed headers (transport.websocket_handler).
The memory itself is measured by bench/per_client.py and bench/memory.py."""

import base64
import contextlib
import gc
import inspect
import os
import socket
import sys

import gevent
import gevent.event
import gevent.socket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from gevent import pywsgi
from werkzeug.test import EnvironBuilder

from webapp.extensions import socketio
from webapp.live import transport
from webapp.live.clients import ClientBook


def serve(environ: dict, handler) -> None:
    """Run handler on the websocket the Websocket class opens for environ, until it returns."""
    websocket = transport._websocket_class(SimpleWebSocketWSGI, ClientBook())(handler, Engine())
    with contextlib.suppress(ConnectionError):  # engine.io's way of ending a werkzeug-mode websocket
        websocket(environ, lambda *args: None)


def test_python_socketio_keeps_the_environ_the_server_gave_not_a_copy(app):
    environ = EnvironBuilder(path="/socket.io/", query_string="EIO=4&transport=polling").get_environ()
    statuses = []
    body = b"".join(app.wsgi_app(environ, lambda status, headers, *_: statuses.append(status)))
    assert statuses == ["200 OK"] and body.startswith(b"0{"), (statuses, body)
    kept = [e for e in socketio.server.environ.values() if e.get("QUERY_STRING") == environ["QUERY_STRING"]]
    assert kept and all(e is environ for e in kept)  # Flask-SocketIO 5.7 alone keeps a copy
    assert environ["flask.app"] is app  # what its middleware adds, for the handlers' request context


class Engine:
    """What the websocket class reads of engine.io's server."""

    max_http_buffer_size = 16384

    @staticmethod
    def sleep(seconds):
        pass


def masked(text: str) -> bytes:
    data, mask = text.encode(), os.urandom(4)
    return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def test_an_open_websocket_keeps_no_handshake_and_still_reads_and_writes():
    server_side, client_side = socket.socketpair()
    key = base64.b64encode(os.urandom(16)).decode()
    environ = {
        "werkzeug.socket": server_side,  # as serve.py's handler hands it over
        "REQUEST_METHOD": "GET",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": key,
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    client_side.sendall(masked("2probe"))  # waits in the socket for the server's first read
    seen = {}

    def handler(ws):
        seen["handshake"] = ws.ws.ws.handshake
        seen["events"] = ws.ws.ws.connection._events
        seen["paced"] = ws.ws.sock.raw  # guard.Paced, under WholeSends
        ws.send("3probe")
        seen["received"] = ws.wait()
        return []

    serve(environ, handler)
    client_side.settimeout(5)
    answer = client_side.recv(65536)
    server_side.close()
    client_side.close()
    assert seen["handshake"] is transport._SHAKEN  # wsproto's H11Handshake, with h11's connection, is gone
    assert seen["received"] == "2probe"
    assert sys.getsizeof(seen["events"]) < 100  # wsproto's empty deque of events read: 760 bytes
    # the reader's pacing keeps no closures nor instance dicts (two lambdas and a dict: about 0.5 KiB)
    assert not hasattr(seen["paced"], "__dict__") and not hasattr(seen["paced"].budget, "__dict__")
    assert not [r for r in gc.get_referents(seen["paced"]) if inspect.isfunction(r) and r.__closure__]
    assert answer.startswith(b"HTTP/1.1 101") and answer.endswith(b"\x81\x063probe"), answer


def test_the_http_handler_keeps_no_parsed_headers_while_its_websocket_is_open():
    opened, done, handlers = gevent.event.Event(), gevent.event.Event(), []

    def app(environ, start_response):  # a websocket that stays open until the test is done
        handlers.extend(o for o in gc.get_objects() if isinstance(o, pywsgi.WSGIHandler))
        opened.set()
        done.wait(5)
        start_response("200 OK", [])
        return []

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=transport.websocket_handler(), log=None)
    server.start()
    client = gevent.socket.create_connection(("127.0.0.1", server.server_port))
    try:
        client.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert opened.wait(5)
        (handler,) = handlers
        assert handler.environ["HTTP_UPGRADE"] == "websocket"  # what the app reads: the environ
        assert handler.headers is None  # gevent 26.9 kept the parsed headers for the connection's life
        assert handler.rfile.closed  # and its read buffer
        # nor, in the environ python-socketio keeps, gevent's Input over that closed buffer
        assert not isinstance(handler.environ["wsgi.input"], pywsgi.Input)
        assert handler.environ["wsgi.input"].read() == b""
    finally:
        done.set()
        client.close()
        server.stop(timeout=1)


def test_an_open_websocket_keeps_its_environ_without_the_handshake_and_events_still_see_the_request(app):
    server_side, client_side = socket.socketpair()
    environ = EnvironBuilder(
        path="/socket.io/",
        query_string="EIO=4&transport=websocket",
        headers={
            "Host": "venue.example",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
            "Sec-WebSocket-Version": "13",
            "Cache-Control": "no-cache",
            "Pragma": "no-cache",
            "Accept-Encoding": "gzip, deflate, br",
            "Accept-Language": "fr-FR,fr;q=0.9",
            "User-Agent": "Mozilla/5.0 (phone)",
            "Cookie": "session=abc",
            "Origin": "https://venue.example",
        },
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    ).get_environ()
    for key in ("RAW_URI", "REQUEST_URI"):  # as gevent 26.9's pywsgi builds it (werkzeug's has these two)
        del environ[key]
    environ.update(
        {"GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "gevent", "wsgi.input_terminated": True}
    )
    environ["werkzeug.socket"] = server_side
    size = sys.getsizeof(environ)
    client_side.sendall(masked("2probe"))
    seen = {}

    def handler(ws):
        seen["environ"] = ws.ws.environ
        seen["received"] = ws.wait()
        return []

    serve(environ, handler)
    server_side.close()
    client_side.close()
    kept = seen["environ"]
    assert seen["received"] == "2probe" and kept is environ  # the one dict python-socketio keeps, trimmed
    gone = ("HTTP_SEC_WEBSOCKET_KEY", "HTTP_UPGRADE", "HTTP_CONNECTION", "HTTP_CACHE_CONTROL", "HTTP_PRAGMA")
    assert not [key for key in gone if key in kept]
    assert sys.getsizeof(kept) < size  # its table sized again: deleting keys alone keeps it as big
    with app.request_context(kept):  # as Flask-SocketIO 5.7 builds each event's request
        from flask import request

        assert request.remote_addr == "203.0.113.9"
        assert request.host == "venue.example" and request.args["EIO"] == "4"
        assert request.cookies["session"] == "abc"
        assert request.accept_languages.best == "fr-FR"
        assert request.headers["User-Agent"] == "Mozilla/5.0 (phone)"
        assert request.headers["Origin"] == "https://venue.example"
        assert request.get_data() == b""


def test_a_clients_catch_up_state_has_no_instance_dicts():
    client = ClientBook().connect("sid")  # one per connected client, with two token buckets
    assert not [o for o in (client, client.replies, client.packets) if hasattr(o, "__dict__")]


class GeventEngine(Engine):
    """What the websocket class reads of engine.io's server, on gevent."""

    sleep = staticmethod(gevent.sleep)

    @staticmethod
    def start_background_task(target, *args):
        return gevent.spawn(target, *args)


def in_http_handler() -> list:
    """The greenlets running gevent's HTTP handler (pywsgi's task for a connection)."""
    alive = [g for g in gc.get_objects() if isinstance(g, gevent.Greenlet) and not g.dead]
    return [g for g in alive if any(f.f_code.co_filename.endswith("pywsgi.py") for f in frames(g.gr_frame))]


def frames(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back


def test_an_open_websocket_runs_in_a_task_of_its_own_and_its_connection_closes_when_it_ends():
    sockets = []

    def echo(ws):
        while (message := ws.wait()) is not None:
            ws.send(message)
        return []

    websocket_class = transport._websocket_class(SimpleWebSocketWSGI, ClientBook())

    def app(environ, start_response):
        sockets.append(environ["werkzeug.socket"])
        return websocket_class(echo, GeventEngine())(environ, start_response)

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=transport.websocket_handler(), log=None)
    server.start()
    client = gevent.socket.create_connection(("127.0.0.1", server.server_port))
    client.settimeout(5)
    try:
        client.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert client.recv(4096).startswith(b"HTTP/1.1 101")
        client.sendall(masked("4one"))
        assert client.recv(4096) == b"\x81\x044one"
        gevent.sleep(0.05)
        # gevent's task for the HTTP request has ended (its two dozen frames held about 20 KiB per idle
        # client), and the websocket still reads and writes
        assert in_http_handler() == []
        client.sendall(masked("4two"))
        assert client.recv(4096) == b"\x81\x044two"
        client.close()  # the client goes: the server closes its side, once
        gevent.sleep(0.2)
        assert sockets[0].fileno() == -1
    finally:
        client.close()
        server.stop(timeout=1)


def test_an_open_websocket_environ_as_gevent_builds_it_keeps_a_small_table_after_the_first_event():
    server_side, client_side = socket.socketpair()
    environ = {  # gevent 26.9's pywsgi environ for a websocket without extensions (bench's Node client)
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "gevent/26.9 Python/3.11",
        "SCRIPT_NAME": "",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "5000",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/socket.io/",
        "QUERY_STRING": "EIO=4&transport=websocket",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:5000",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(os.urandom(16)).decode(),
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_UPGRADE": "websocket",
        "wsgi.input": transport.NO_BODY,
        "wsgi.input_terminated": True,
        "werkzeug.socket": server_side,
        transport.DETACH: lambda: False,  # serve.py's handler: the websocket may not go on on its own here
        "flask.app": None,
    }
    size = sys.getsizeof(environ)
    client_side.sendall(masked("2probe"))

    def handler(ws):
        ws.wait()
        return []

    serve(environ, handler)
    server_side.close()
    client_side.close()
    environ["saved_session"] = {}  # what Flask-SocketIO 5.7 adds at the first event
    environ["werkzeug.request"] = None  # and werkzeug 3 when Flask builds the request from it
    assert sys.getsizeof(environ) < size * 0.6, (sys.getsizeof(environ), size)  # a table half as big
