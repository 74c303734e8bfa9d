"""A temporary nginx in front of several upstream servers: round-robin, websocket upgrade, no buffering.

Its workers and listening socket are as `make cluster`'s (deploy/nginx.conf): as many workers as the
clients' descriptors need (deploy.cluster.nginx_workers), each accepting from its own reuseport socket,
so a peer measured behind it meets the same front end as Venue Live.
"""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.cluster import nginx_rlimit, nginx_workers
from tests.servers import answers_http, free_port, stop_process

NGINX = "/usr/sbin/nginx"
# Every temporary nginx keeps its temp files in its own work directory.
TEMPS = """\
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;"""
CONFIG = """
worker_processes {workers};
worker_rlimit_nofile {rlimit};
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections {rlimit}; }}
http {{
    access_log off;
{temps}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream peers {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location / {{
            proxy_pass http://peers;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_read_timeout 3600s;
        }}
    }}
}}
"""


@dataclass
class Balancer:
    """A running nginx: its URL, its processes and its error log."""

    url: str
    pids: list[int]
    error_log: Path


def write_config(workdir: Path, upstreams: list[str], port: int, clients: int = 20000) -> Path:
    """Write the nginx configuration for upstreams (http://host:port) listening on port, with workers
    for clients websockets; return its path."""
    servers = "\n".join(f"        server {url.removeprefix('http://')};" for url in upstreams)
    path = workdir / "nginx.conf"
    config = CONFIG.format(
        work=workdir,
        temps=TEMPS.format(work=workdir),
        servers=servers,
        port=port,
        workers=nginx_workers(clients),
        rlimit=nginx_rlimit(),
    )
    path.write_text(config)
    return path


def _worker_pids(master: int) -> list[int]:
    """Return the pids of master's nginx worker processes."""
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


@contextmanager
def _nginx(workdir: Path, config: Path, probe: str, name: str) -> Iterator[subprocess.Popen]:
    """Run nginx in the foreground with config; yield it once probe answers HTTP; stop it after."""
    out = workdir / f"{name}.out"
    with out.open("w") as log:
        proc = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(workdir), "-g", "daemon off;"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 15
        while not answers_http(probe):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {out.read_text()[-500:]}")
            time.sleep(0.1)
        yield proc
    finally:
        stop_process(proc)  # SIGTERM: nginx's fast shutdown


@contextmanager
def balancer(workdir: Path, upstreams: list[str], clients: int = 20000) -> Iterator[Balancer]:
    """Start nginx in the foreground with a temporary config in front of upstreams, with workers for
    clients websockets; stop it after."""
    port = free_port()
    config = write_config(workdir, upstreams, port, clients)
    url = f"http://127.0.0.1:{port}"
    with _nginx(workdir, config, url + "/api/changes", "nginx") as proc:
        yield Balancer(url, [proc.pid, *_worker_pids(proc.pid)], workdir / "nginx-error.log")


STATIC_CONFIG = """
worker_processes 1;
pid {work}/nginx-static.pid;
error_log {work}/nginx-static-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temps}
    default_type text/html;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri /index.html; }}
    }}
}}
"""


@contextmanager
def static_files(workdir: Path, root: Path) -> Iterator[str]:
    """Serve the files under root with a temporary one-worker nginx; yield its URL."""
    port = free_port()
    config = workdir / "nginx-static.conf"
    config.write_text(
        STATIC_CONFIG.format(work=workdir, temps=TEMPS.format(work=workdir), root=root, port=port)
    )
    url = f"http://127.0.0.1:{port}"
    with _nginx(workdir, config, url + "/", "nginx-static"):
        yield url
