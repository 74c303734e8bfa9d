"""nginx + three gunicorn processes on PostgreSQL + Redis: any process serves any client, nothing is lost."""

import threading
import time

import socketio as python_socketio

from tests.servers import post_change


class Listener:
    """An attendee's Socket.IO client that records every change it is sent, in order."""

    def __init__(self, url: str, since: int = 0) -> None:
        self.url, self.changes = url, []
        self.client = python_socketio.Client(reconnection=False)
        self.client.on("change", self._on_change)
        self.client.connect(url, transports=["websocket"], auth={"since": since}, wait_timeout=10)

    def _on_change(self, change: dict) -> None:
        self.changes.append(change)

    @property
    def seqs(self) -> list[int]:
        """The seqs received, in the order they came."""
        return [c["seq"] for c in self.changes]

    def wait_for(self, seq: int, timeout: float = 5.0) -> bool:
        """Wait until a change with seq (or later) has arrived; tell whether it did."""
        deadline = time.monotonic() + timeout
        while not (self.seqs and self.seqs[-1] >= seq) and time.monotonic() < deadline:
            time.sleep(0.02)
        return bool(self.seqs) and self.seqs[-1] >= seq

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()


def announce(base_url: str, token: str, text: str) -> dict:
    """Post one announcement (always a valid change) to base_url; return the change."""
    return post_change(base_url, token, {"kind": "announce", "text": {"en": text}, "expires_in_minutes": 60})


def app_url(cluster, index: int) -> str:
    """The address of one app process, past nginx."""
    return f"http://127.0.0.1:{cluster.app_ports[index]}"


def test_a_change_posted_to_process_a_reaches_a_client_of_process_c_in_order(cluster):
    # How fast is a bench figure (bench/fanout.py); here only a generous deadline: the changes arrive.
    on_c, through_nginx = Listener(app_url(cluster, 2)), Listener(cluster.url)
    try:
        start = on_c.seqs[-1] if on_c.seqs else None
        posted = [announce(app_url(cluster, 0), cluster.token, f"from A {n}") for n in range(5)]
        last = posted[-1]["seq"]
        assert on_c.wait_for(last, timeout=30) and through_nginx.wait_for(last, timeout=30)
    finally:
        on_c.close()
        through_nginx.close()
    new = [c for c in on_c.changes if start is None or c["seq"] > start]
    assert [c["seq"] for c in new][-5:] == [c["seq"] for c in posted]
    assert [c["after"]["text"]["en"] for c in new][-5:] == [f"from A {n}" for n in range(5)]
    assert through_nginx.seqs[-5:] == [c["seq"] for c in posted]


def test_a_client_of_process_b_that_was_away_catches_up_from_since(cluster):
    first = Listener(app_url(cluster, 1))
    seen = announce(app_url(cluster, 0), cluster.token, "before the tunnel")["seq"]
    assert first.wait_for(seen)
    first.close()
    missed = [announce(app_url(cluster, n % 3), cluster.token, f"missed {n}")["seq"] for n in range(4)]
    back = Listener(app_url(cluster, 1), since=seen)
    try:
        assert back.wait_for(missed[-1])
    finally:
        back.close()
    assert back.seqs == missed


def test_no_change_is_lost_while_redis_is_stopped_and_started(tmp_path, pg_url, own_redis):
    from deploy.cluster import start, stop
    from tests.cluster.conftest import make_cluster, staff_token

    settings = make_cluster(tmp_path / "cluster", pg_url, own_redis.url)
    start(settings)
    listeners = []
    try:
        token = staff_token(settings)
        head = announce(app_url(settings, 0), token, "start")["seq"]
        listeners = [Listener(app_url(settings, n), since=head) for n in range(3)] + [
            Listener(settings.url, since=head)
        ]
        posted = []

        def stream(count: int, label: str) -> None:
            for n in range(count):
                posted.append(announce(app_url(settings, n % 3), token, f"{label} {n}")["seq"])
                time.sleep(0.05)

        writer = threading.Thread(target=stream, args=(10, "before"))
        writer.start()
        writer.join()
        own_redis.stop()  # in the middle of the stream: the writers keep going
        stream(10, "while Redis is away")
        # The last change was made with Redis away and nothing follows it: it must still arrive.
        assert all(listener.wait_for(posted[-1], timeout=5) for listener in listeners)
        own_redis.start()
        stream(10, "after")
        assert all(listener.wait_for(posted[-1], timeout=5) for listener in listeners)
    finally:
        for listener in listeners:
            listener.close()
        stop(settings)
    assert posted == list(range(head + 1, head + 31))
    for listener in listeners:
        assert listener.seqs == posted  # none lost, none twice, in order, all ending at the same seq
    logs = "".join(p.read_text() for p in settings.var.glob("app-*.log"))
    assert "is away" in logs and "is back" in logs and "from the change log" in logs
