"""The servers under test: Venue Live (serve.py), the Node socket.io peer, the peer's 3-process cluster
behind nginx with the Redis adapter, or a server already running at a URL (--target)."""

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.lib import guard, nginx
from tests.servers import ROOT, free_port, make_staff_token, server_env, serving

NODE_PEER = ROOT / "bench" / "node-peer.mjs"
PEER_DIR = Path("/tmp/vl-peer")
STAFF_NAME = "bench"
STAFF_PASSWORD = "bench-password-123456"
PEER_PROCESSES = 3


@dataclass
class Target:
    """A server under test: where it answers, how to post changes, and which processes to watch."""

    name: str
    url: str
    token: str | None = None
    pids: list[int] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)


def node_peer_ready(peer_dir: Path = PEER_DIR) -> str | None:
    """Return why the Node peer cannot run, installing socket.io@4 into peer_dir if needed; None if it can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not found"
    if peer_dir.resolve().is_relative_to(ROOT):
        return f"{peer_dir} is inside the project; use a directory outside it"
    if not (peer_dir / "node_modules" / "socket.io" / "package.json").exists():
        peer_dir.mkdir(parents=True, exist_ok=True)
        print(f"installing socket.io@4 into {peer_dir} (npm) ...", flush=True)
        proc = subprocess.run(
            ["npm", "install", "--prefix", str(peer_dir), "--no-audit", "--no-fund", "socket.io@4"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            return f"npm install socket.io@4 failed: {proc.stderr.strip()[-300:]}"
    return None


@contextmanager
def venue(workdir: Path, **env: str) -> Iterator[Target]:
    """Start serve.py on a fresh SQLite database with a staff token; yield it as a Target."""
    full_env = server_env(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", **env)
    full_env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    token = make_staff_token(full_env, STAFF_NAME, STAFF_PASSWORD)
    with serving([sys.executable, "serve.py"], workdir, full_env) as served:
        yield Target("venue", served.url, token, [served.proc.pid], [served.log_path])


@contextmanager
def node_peer(workdir: Path, **env: str) -> Iterator[Target]:
    """Start one bench/node-peer.mjs process; yield it as a Target."""
    full_env = server_env(SOCKETIO_PEER_DIR=str(PEER_DIR), **env)
    command = ["bash", "-c", 'ulimit -Sn "$(ulimit -Hn)"; exec node "$0"', str(NODE_PEER)]
    with serving(command, workdir, full_env, probe="/api/changes") as served:
        yield Target("node", served.url, None, [served.proc.pid], [served.log_path])


@contextmanager
def redis_server(workdir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start a throw-away redis-server on a free port (no persistence); yield its URL and process."""
    port = free_port()
    log = (workdir / "redis.log").open("w")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while "Ready to accept connections" not in (workdir / "redis.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"redis-server did not start: {(workdir / 'redis.log').read_text()[-500:]}"
                )
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@contextmanager
def node_cluster(workdir: Path) -> Iterator[Target]:
    """Start 3 node-peer processes sharing a Redis adapter, behind a temporary nginx; yield the nginx URL."""
    with ExitStack() as stack:
        redis_url, redis_proc = stack.enter_context(redis_server(workdir))
        peers = [stack.enter_context(node_peer(workdir, REDIS_URL=redis_url)) for _ in range(PEER_PROCESSES)]
        front = stack.enter_context(nginx.balancer(workdir, [peer.url for peer in peers]))
        pids = [pid for peer in peers for pid in peer.pids] + [redis_proc.pid, *front.pids]
        logs = [log for peer in peers for log in peer.logs] + [front.error_log]
        yield Target("node-cluster", front.url, None, pids, logs)


@contextmanager
def open_target(kind: str, workdir: Path, url: str | None = None, token: str | None = None, pids=()):
    """Yield the Target of kind venue, node, node-cluster or url (an already running server).

    The processes of a target started here are stopped by the watchdog if the run is cut short; those
    of a url target are only watched, never stopped.
    """
    if kind == "url":
        yield Target("target", url.rstrip("/"), token, list(pids))
        return
    starters = {"venue": venue, "node": node_peer, "node-cluster": node_cluster}
    if kind not in starters:
        raise ValueError(f"unknown target kind {kind!r}")
    with starters[kind](workdir) as target:
        guard.track(*target.pids)
        try:
            yield target
        finally:
            guard.untrack(*target.pids)
