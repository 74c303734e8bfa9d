"""Changes committed by other processes (`flask follow-schedule`, a second writer) reach the open pages of
`make run` (serve.py, one process) live: each once, in order, within 2 s; with Redis too, through an outage.

Real processes on 127.0.0.1: the server, the follower polling a schedule served here, a writer calling the
change service, a Socket.IO client; the test notes when each change is committed by reading the database.
"""

import copy
import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
import socketio as python_socketio

from tests.cluster.conftest import RedisServer
from tests.servers import ROOT, serve_release, server_env, serving
from tests.sources.conftest import EXAMPLES, venues_for
from webapp.sources.convert import import_schedule

SHIFTED = "2d64f8e2-26ee-529f-b5ab-3b3f326e31b9"  # Gray Room 09:30: each release moves it 5 minutes later
WITHIN = 2.0  # seconds from commit to the page
WRITER = """
import sys, time
from webapp import create_app
from webapp.live.changes import apply_change

app = create_app()
with app.app_context():
    for n in range(int(sys.argv[1])):
        apply_change({"kind": "announce", "text": {"en": f"writer {n}"}, "expires_in_minutes": 60}, by="writer")
        time.sleep(float(sys.argv[2]))
"""


def release(first: dict, k: int) -> bytes:
    """Return release k of the DemoCon schedule: one session k * 5 minutes later than in the first."""
    data = copy.deepcopy(first)
    for day in data["schedule"]["conference"]["days"]:
        for events in day["rooms"].values():
            for event in events:
                if event["guid"] == SHIFTED:
                    later = datetime.fromisoformat(event["date"]) + timedelta(minutes=5 * k)
                    event.update(date=later.isoformat(), start=later.strftime("%H:%M"))
    data["schedule"]["version"] = f"v{k}"
    return json.dumps(data).encode()


@pytest.fixture
def schedule_source():
    """Yield the URL of a schedule on 127.0.0.1 that has a new release at every poll."""
    first = json.loads((EXAMPLES / "pretalx-democon.json").read_text())
    with serve_release() as server:
        server.releases = lambda k: release(first, k)
        yield server.url


@pytest.fixture
def event_env(tmp_path):
    """The environment of the server and of every writer: one SQLite database, the DemoCon event."""
    out = tmp_path / "event"
    venues = tmp_path / "venues.geojson"
    venues.write_text(json.dumps(venues_for("pretalx-democon.json")))
    import_schedule(str(EXAMPLES / "pretalx-democon.json"), venues, out_dir=out)
    return server_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'live.db'}",
        VENUES_FILE=str(out / "venues.geojson"),
        PROGRAM_FILE=str(out / "program.json"),
        SOCKETIO_HEARTBEAT="1",
    )


class Commits:
    """Notes when each seq is first seen committed, reading the log's head every 10 ms."""

    def __init__(self, db_path) -> None:
        self.at: dict[int, float] = {}
        self._db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        seen = 0
        while not self._stop.is_set():
            (head,) = self._db.execute("SELECT seq FROM log_head WHERE id = 1").fetchone()
            now = time.monotonic()
            for seq in range(seen + 1, head + 1):
                self.at[seq] = now
            seen = max(seen, head)
            time.sleep(0.01)

    def stop(self) -> int:
        """Stop watching; return the head."""
        self._stop.set()
        self._thread.join()
        self._db.close()
        return max(self.at, default=0)


class Page:
    """A page's Socket.IO client: notes each change and when it arrived."""

    def __init__(self, url: str) -> None:
        self.seqs: list[int] = []
        self.at: dict[int, float] = {}
        self.client = python_socketio.Client(reconnection=False)
        self.client.on("change", self._on_change)
        self.client.connect(url, transports=["websocket"], auth={"since": 0}, wait_timeout=10)

    def _on_change(self, change: dict) -> None:
        self.seqs.append(change["seq"])
        self.at.setdefault(change["seq"], time.monotonic())

    def wait_for(self, seq: int, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while seq not in self.at and time.monotonic() < deadline:
            time.sleep(0.02)


def writers(source: str, env: dict, polls: int, writes: int, gap: float) -> list[subprocess.Popen]:
    """Start `flask follow-schedule` (a change per poll, every 5 s) and a writer (a change every gap s)."""
    follow = [sys.executable, "-m", "flask", "--app", "webapp", "follow-schedule", source, "--every", "5"]
    write = [sys.executable, "-c", WRITER, str(writes), str(gap)]
    options = {"cwd": ROOT, "env": env, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    return [subprocess.Popen([*follow, "--polls", str(polls)], **options), subprocess.Popen(write, **options)]


def finish(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output


def delays(page: Page, commits: Commits, head: int) -> list[float]:
    """Check every change arrived once and in order; return each one's delay from commit to page."""
    page.wait_for(head)
    assert head > 0 and page.seqs == list(range(1, head + 1))
    return [page.at[seq] - commits.at[seq] for seq in page.seqs]


def test_changes_other_processes_commit_reach_an_open_page_without_a_message_queue(
    tmp_path, event_env, schedule_source
):
    with serving([sys.executable, "serve.py"], tmp_path, event_env) as served:
        commits = Commits(tmp_path / "live.db")
        page = Page(served.url)
        try:
            finish(writers(schedule_source, event_env, polls=3, writes=8, gap=1.0))
            head = commits.stop()
            late = delays(page, commits, head)
        finally:
            page.client.disconnect()
    assert head == 3 + 8
    print(f"\n{head} changes from two other processes; commit to page: worst {max(late):.2f} s")
    assert max(late) < WITHIN, late


def test_with_redis_stopped_for_30_seconds_every_change_still_arrives_within_2_seconds(
    tmp_path, event_env, schedule_source
):
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = {
        **event_env,
        "SOCKETIO_MESSAGE_QUEUE": redis_server.url,
        "SOCKETIO_CHANNEL": f"venue-live-test-{uuid.uuid4().hex[:8]}",
    }
    try:
        with serving([sys.executable, "serve.py"], tmp_path, env) as served:
            commits = Commits(tmp_path / "live.db")
            page = Page(served.url)
            try:
                procs = writers(schedule_source, env, polls=9, writes=34, gap=1.2)
                time.sleep(5)
                redis_server.stop()
                stopped = time.monotonic()
                time.sleep(30)
                redis_server.start()
                restarted = time.monotonic()
                finish(procs)
                head = commits.stop()
                late = delays(page, commits, head)
            finally:
                page.client.disconnect()
            log = served.log_path.read_text()
    finally:
        redis_server.stop()
    assert head == 9 + 34
    during = [d for seq, d in zip(page.seqs, late, strict=True) if stopped <= commits.at[seq] < restarted]
    after = [d for seq, d in zip(page.seqs, late, strict=True) if commits.at[seq] >= restarted]
    assert len(during) >= 5 and len(after) >= 1  # how many depends on how fast the writers start
    print(
        f"\n{head} changes, {len(during)} made while Redis was stopped for 30 s: commit to page worst "
        f"{max(during):.2f} s during the outage, {max(after):.2f} s after it, {max(late):.2f} s overall"
    )
    assert max(late) < WITHIN, late
    assert "is away" in log and "is back" in log
