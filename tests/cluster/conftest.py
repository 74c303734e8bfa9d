"""A real cluster for these tests: nginx in front of three gunicorn processes on PostgreSQL and Redis."""

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis

from deploy.cluster import NGINX, Cluster, start, stop
from tests.conftest import postgres_schema, require_service, schema_url
from tests.servers import free_port, run_flask

REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "a long enough password\n"


def _require_nginx() -> None:
    if not Path(NGINX).is_file():
        require_service(f"nginx is not installed at {NGINX}")


def _require_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        require_service(f"Redis at {url} is unreachable")


@pytest.fixture(scope="package")
def pg_url():
    """Yield the URL of a fresh schema in the local PostgreSQL, dropped afterwards."""
    with postgres_schema("cluster") as schema:
        yield schema_url(schema)


class RedisServer:
    """A redis-server of the test's own, on its own free port, that the test may stop and start."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir, self.proc = free_port(), workdir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it answers."""
        binary = shutil.which("redis-server") or require_service("redis-server is not installed")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop it (SIGTERM) and wait until it is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def make_cluster(workdir: Path, database_url: str, queue_url: str) -> Cluster:
    """Return the settings of a cluster on free ports, with files under workdir."""
    return Cluster(
        port=free_port(),
        app_ports=[free_port() for _ in range(3)],
        database_url=database_url,
        queue_url=queue_url,
        channel=f"venue-live-test-{uuid.uuid4().hex[:8]}",
        var=workdir,
        extra_env={
            "SECRET_KEY": os.environ.get("SECRET_KEY", "tests-only-secret"),
            "SOCKETIO_HEARTBEAT": "0.5",
        },
    )


def staff_token(cluster: Cluster) -> str:
    """Create a staff account in the cluster's database and return a bearer token for it."""
    env, name = {"DATABASE_URL": cluster.database_url}, f"staff-{uuid.uuid4().hex[:8]}"
    run_flask(["staff", "create", name], env, stdin=PASSWORD)
    return run_flask(["staff", "token", name], env).strip()


def worker_pid(cluster: Cluster, port: int) -> int:
    """Return the pid of the gevent worker of the gunicorn process on port."""
    master = int((cluster.var / f"app-{port}.pid").read_text())
    return int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])


@pytest.fixture(scope="package")
def cluster(tmp_path_factory, pg_url):
    """A running cluster on the machine's Redis: yield it with a staff token; stop it afterwards."""
    _require_nginx()
    _require_redis(REDIS_URL)
    settings = make_cluster(tmp_path_factory.mktemp("cluster"), pg_url, REDIS_URL)
    try:
        start(settings)
        settings.token = staff_token(settings)
        yield settings
    finally:
        stop(settings)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own; stopped afterwards."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
