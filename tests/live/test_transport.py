"""The app refuses to start, with one sentence, when a library internal it hooks is missing."""

import subprocess
import sys

import pytest

from tests.servers import ROOT, server_env
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
