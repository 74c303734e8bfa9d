"""PostgreSQL goes away (a real TCP hop to it is cut): staff get a clear 503, pages keep their last data."""

import contextlib
import socket
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import POSTGRES_URL, postgres_schema, schema_url
from webapp import create_app
from webapp.extensions import db
from webapp.program.importer import import_event
from webapp.staff.accounts import create_staff, issue_token
from webapp.web import pagecache


class TcpHop:
    """A TCP forwarder to PostgreSQL that the test can cut, closing every connection through it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.conns = target, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and end every open one."""
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone does not, on Linux)
        self.listener.close()
        for sock in self.conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def app_behind_hop(monkeypatch):
    """Yield (app, hop): the app on a fresh PostgreSQL schema reached through a TcpHop."""
    with postgres_schema("test") as schema:
        url = sa.engine.make_url(POSTGRES_URL)
        hop = TcpHop((url.host, url.port))
        app = create_app(
            {"TESTING": True, "EVENT_NOW": "2023-11-29T10:30:00+09:00",
             "SQLALCHEMY_DATABASE_URI": schema_url(schema, url.set(port=hop.port).render_as_string(False)),
             "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}}}
        )  # fmt: skip
        monkeypatch.setattr(pagecache, "SEQ_TTL", -1)  # read the head on every request
        with app.app_context():
            upgrade()
            import_event(app.extensions["event"])
            create_staff("alice", "a long enough password")
            app.token = issue_token("alice")
        app.direct_url = schema_url(schema)  # past the hop
        yield app, hop
        hop.cut()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_staff_get_a_503_and_nothing_is_written_when_the_database_is_away(app_behind_hop):
    app, hop = app_behind_hop
    client = app.test_client()
    hop.cut()
    response = client.post(
        "/api/changes",
        json={"kind": "room_status", "room": "hip-future-hall", "status": "full"},
        headers={"Authorization": f"Bearer {app.token}"},
    )
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert "nothing was changed" in response.get_json()["message"]
    assert client.get("/readyz").status_code == 503
    direct = sa.create_engine(app.direct_url)
    with direct.connect() as conn:
        assert conn.scalar(sa.text("SELECT seq FROM log_head")) == 0
        assert conn.scalar(sa.text("SELECT status FROM rooms WHERE id = 'hip-future-hall'")) == "open"
    direct.dispose()


def test_pages_keep_their_last_data_when_the_database_is_away(app_behind_hop):
    app, hop = app_behind_hop
    client = app.test_client()
    kept = {path: client.get(path).get_data() for path in ("/", "/schedule")}
    hop.cut()
    for path, body in kept.items():
        response = client.get(path)
        assert response.status_code == 200 and response.get_data() == body
    assert client.get("/schedule", query_string={"venue": "never-rendered"}).status_code in (400, 503)
