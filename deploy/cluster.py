"""Run Venue Live like production on this machine: nginx in front of three gunicorn processes,
PostgreSQL for the state, Redis as the Socket.IO message queue, and one push sender for them all.

    python deploy/cluster.py start     # what `make cluster` does
    python deploy/cluster.py stop      # what `make cluster-stop` does

Settings from the environment: CLUSTER_PORT (8080), CLUSTER_APP_PORTS (5101,5102,5103), DATABASE_URL
(postgresql+psycopg://127.0.0.1:5432/venue_live, created when missing), SOCKETIO_MESSAGE_QUEUE
(redis://127.0.0.1:6379/0), CLUSTER_CLIENTS (20000: the phones nginx's workers must hold at once). Pid files and logs go to var/cluster/.
"""

import contextlib
import math
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
START_TIMEOUT = 30.0
# The descriptors each nginx worker asks for (worker_rlimit_nofile), where the hard limit allows.
NGINX_RLIMIT = 65536


def nginx_rlimit(limit: int | None = None) -> int:
    """Return the descriptors an nginx worker can have: NGINX_RLIMIT, or the hard limit when lower (a
    worker asking for more than it may have is refused, and says so in the error log at each start)."""
    return min(NGINX_RLIMIT, limit or resource.getrlimit(resource.RLIMIT_NOFILE)[1])


def nginx_workers(clients: int, limit: int | None = None, cores: int | None = None) -> int:
    """Return how many nginx workers hold clients proxied websockets: one per core, more when the
    descriptors they need do not fit in that many workers' limits.

    A proxied websocket costs a worker two descriptors (the phone's and the upstream's). A worker cannot
    raise its limit past the hard limit it inherits unless the system lets it (a container often does
    not: 20,000 on the machine bench/README.md was measured on), so two workers there held at most
    ~19,900 phones and refused the rest with "Too many open files". A quarter is kept spare, as the
    kernel's reuseport spreads connections over the workers by hash, not exactly evenly.
    """
    limit = nginx_rlimit(limit)
    cores = cores or os.cpu_count() or 1
    return max(cores, math.ceil(2 * clients * 1.25 / limit))


@dataclass
class Cluster:
    """Where one local cluster listens, what it stores to, and where its files go."""

    port: int = 8080
    app_ports: list[int] = field(default_factory=lambda: [5101, 5102, 5103])
    database_url: str = "postgresql+psycopg://127.0.0.1:5432/venue_live"
    queue_url: str = "redis://127.0.0.1:6379/0"
    channel: str = "venue-live"
    clients: int = 20000
    var: Path = ROOT / "var" / "cluster"
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)  # the app processes this run started

    @classmethod
    def from_env(cls) -> "Cluster":
        """Read the cluster's settings from the environment."""
        env, default = os.environ.get, cls()
        ports = env("CLUSTER_APP_PORTS")
        return cls(
            port=int(env("CLUSTER_PORT") or default.port),
            app_ports=[int(p) for p in ports.split(",")] if ports else default.app_ports,
            database_url=env("DATABASE_URL") or default.database_url,
            queue_url=env("SOCKETIO_MESSAGE_QUEUE") or default.queue_url,
            channel=env("SOCKETIO_CHANNEL") or default.channel,
            clients=int(env("CLUSTER_CLIENTS") or default.clients),
        )

    @property
    def url(self) -> str:
        """The public address, through nginx."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Return the environment every app process and the release step run with."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SOCKETIO_MESSAGE_QUEUE": self.queue_url,
            "SOCKETIO_CHANNEL": self.channel,
            # One proxy (nginx) in front: believe its X-Forwarded-For, so sign-in limits count phones.
            "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", "1"),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in url when it does not exist yet."""
    target = sa.engine.make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        engine.dispose()


def render_nginx(cluster: Cluster) -> Path:
    """Write nginx.conf for this cluster into its var folder; return its path."""
    upstreams = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in cluster.app_ports
    )
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    values = {
        "@ROOT@": str(ROOT),
        "@VAR@": str(cluster.var),
        "@PORT@": str(cluster.port),
        "@WORKERS@": str(nginx_workers(cluster.clients)),
        "@RLIMIT@": str(nginx_rlimit()),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    path = cluster.var / "nginx.conf"
    path.write_text(text.replace("@UPSTREAMS@", upstreams))
    return path


def release(cluster: Cluster) -> str:
    """Run the release step (migrations, import) once, before any app process starts."""
    ensure_database(cluster.database_url)
    result = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "webapp", "release"],
        cwd=ROOT, env=cluster.env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"the release step failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def start_app(cluster: Cluster, port: int) -> subprocess.Popen:
    """Start one gunicorn process (one gevent worker) on port, in its own session."""
    with (cluster.var / f"app-{port}.log").open("a") as log:
        proc = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--pid", str(cluster.var / f"app-{port}.pid"),
             "--control-socket", str(cluster.var / f"app-{port}.ctl"), "--chdir", str(ROOT)],
            cwd=ROOT, env=cluster.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
    cluster.procs.append(proc)
    return proc


def start_sender(cluster: Cluster) -> subprocess.Popen:
    """Start the one push sender of the cluster (`flask push sender`); no app process sends."""
    with (cluster.var / "push-sender.log").open("a") as log:
        proc = subprocess.Popen(
            [PYTHON, "-m", "flask", "--app", "webapp", "push", "sender"],
            cwd=ROOT, env=cluster.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
    (cluster.var / "push-sender.pid").write_text(f"{proc.pid}\n")
    cluster.procs.append(proc)
    return proc


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http://127.0.0.1 only)
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_ready(cluster: Cluster, ports: list[int] | None = None) -> None:
    """Wait until every app process answers /readyz and nginx answers /healthz."""
    deadline = time.monotonic() + START_TIMEOUT
    urls = [f"http://127.0.0.1:{p}/readyz" for p in (ports or cluster.app_ports)] + [cluster.url + "/healthz"]
    for url in urls:
        while not _ready(url):
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in sorted(cluster.var.glob("*.log")))
                raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s:\n{logs}")
            time.sleep(0.2)


def start(cluster: Cluster) -> None:
    """Release once, then start the app processes and nginx, and wait until all answer."""
    cluster.var.mkdir(parents=True, exist_ok=True)
    print(release(cluster))
    for port in cluster.app_ports:
        start_app(cluster, port)
    start_sender(cluster)
    subprocess.run([NGINX, "-q", "-c", str(render_nginx(cluster)), "-p", str(cluster.var)], check=True)
    wait_ready(cluster)
    print(
        f"Venue Live cluster: {cluster.url} (nginx) -> {', '.join(map(str, cluster.app_ports))}; "
        f"one push sender (log: {cluster.var / 'push-sender.log'})"
    )


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _signal(pid: int | None, sig: int) -> int | None:
    if pid is None:
        return None
    try:
        os.kill(pid, sig)
        return pid
    except ProcessLookupError:
        return None


def _wait_gone(pids: list[int], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline:
            with contextlib.suppress(
                ChildProcessError
            ):  # a child of this process: reap it, or it stays a zombie
                os.waitpid(pid, os.WNOHANG)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            _signal(pid, signal.SIGKILL)


def stop_app(cluster: Cluster, port: int) -> None:
    """Stop one app process gracefully (SIGTERM to its gunicorn, which stops its worker)."""
    pid = _signal(_pid(cluster.var / f"app-{port}.pid"), signal.SIGTERM)
    _wait_gone([pid] if pid else [])


def stop(cluster: Cluster) -> None:
    """Stop nginx and every app process gracefully, all at once, and wait until they are gone."""
    pids = [_signal(_pid(cluster.var / "nginx.pid"), signal.SIGQUIT)]
    pids += [_signal(_pid(cluster.var / f"app-{port}.pid"), signal.SIGTERM) for port in cluster.app_ports]
    pids.append(_signal(_pid(cluster.var / "push-sender.pid"), signal.SIGTERM))
    for proc in cluster.procs:  # started by this run but perhaps before it wrote its pid file
        if proc.poll() is None:
            proc.terminate()
    _wait_gone([pid for pid in pids if pid])
    for proc in cluster.procs:
        proc.wait(timeout=15)
    cluster.procs.clear()
    print("Venue Live cluster stopped.")


def main(argv: list[str]) -> int:
    """Start or stop the local cluster."""
    if argv[1:] not in (["start"], ["stop"]):
        print(__doc__, file=sys.stderr)
        return 2
    cluster = Cluster.from_env()
    try:
        start(cluster) if argv[1] == "start" else stop(cluster)
    except (RuntimeError, subprocess.CalledProcessError, sa.exc.OperationalError) as exc:
        print(f"Venue Live cluster: {exc}", file=sys.stderr)
        if argv[1] == "start":
            stop(cluster)  # nothing half-started is left running
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
