"""Run the real server (serve.py) and Chromium the same way in tests and benches."""

import hashlib
import http.server
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
# Debian's Chromium, started so that it makes no request of its own on this closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def one_pixel_png(rgb: tuple[int, int, int] = (232, 238, 243)) -> bytes:
    """Return a valid 1x1 PNG of one colour (the map's background grey, so screenshots stay calm)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


TILE_PNG = one_pixel_png()


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers_http(url: str) -> bool:
    """Tell whether anything answers HTTP at url."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError as exc:  # any HTTP answer means the server is up
        exc.close()
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def run_flask(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    """Run `flask --app webapp ARGS` with env; return its output, raising on failure."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webapp", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Served:
    """A server process started by serving(): its base URL, process and log file."""

    url: str
    proc: subprocess.Popen
    log_path: Path


def server_env(**env: str) -> dict[str, str]:
    """Return this process's environment without tile and access-log settings, with a test secret and env."""
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"TILES_URL", "TILES_ATTRIBUTION", "ACCESS_LOG"}
    }
    full_env.update(SECRET_KEY="tests-only-secret", PYTHONUNBUFFERED="1", **env)
    return full_env


def start_process(
    command: list[str], workdir: Path, env: dict[str, str], port: int, probe: str = "/api/venues"
) -> Served:
    """Start command with env, HOST and PORT=port; return it once probe answers HTTP, else raise with its log."""
    full_env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    log_path = workdir / f"server-{port}-{time.monotonic_ns()}.log"  # a restart on the same port keeps both
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not answers_http(base_url + probe):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError(f"{command[-1]} did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    return Served(base_url, proc, log_path)


def stop_process(proc: subprocess.Popen) -> None:
    """Stop proc with SIGTERM, or SIGKILL when it is not gone within 10 seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serving(
    command: list[str], workdir: Path, env: dict[str, str], probe: str = "/api/venues"
) -> Iterator[Served]:
    """Start command with env, HOST and a free PORT; yield it once probe answers HTTP; stop it after."""
    served = start_process(command, workdir, env, free_port(), probe)
    try:
        yield served
    finally:
        stop_process(served.proc)


@contextmanager
def running_server(workdir: Path, **env: str) -> Iterator[str]:
    """Start serve.py with env on a free port; yield its base URL; stop it (showing its log on failure)."""
    with serving([sys.executable, "serve.py"], workdir, server_env(**env)) as served:
        yield served.url


def make_staff_token(env: dict[str, str], name: str, password: str) -> str:
    """Migrate the database of env, create staff account name, and return a bearer token for it."""
    run_flask(["db", "upgrade"], env)
    run_flask(["staff", "create", name], env, stdin=password + "\n")
    return run_flask(["staff", "token", name], env).strip().splitlines()[-1].strip()


def post_change(base_url: str, token: str, data: dict, timeout: float = 10) -> dict:
    """POST one staff change to a running server with a bearer token; return the change it made."""
    request = urllib.request.Request(
        f"{base_url}/api/changes",
        data=json.dumps(data).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def serve_pid(port: int) -> int:
    """Return the pid of the serve.py process started (by running_server) with PORT=port."""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if b"serve.py" in cmdline and f"PORT={port}".encode() in environ:
            return int(proc.name)
    raise LookupError(f"no serve.py with PORT={port}")


class ReleaseServer(http.server.ThreadingHTTPServer):
    """A schedule source on 127.0.0.1 for the follower: `body` at any path, with an ETag (304 when the
    client has it), or the error `status`. Tests swap `body`, or set `releases` to serve a new release
    at each request (called with the request's number, from 1). `served` counts the requests."""

    body: bytes = b""
    status: int = 200
    releases: Callable[[int], bytes] | None = None
    served: int = 0
    base: str = ""  # http://127.0.0.1:<port>
    url: str = ""  # base + /schedule.json


class ReleaseHandler(http.server.BaseHTTPRequestHandler):
    """Answer a GET as the ReleaseServer is set; a test's handler can subclass it and use send_body."""

    def do_GET(self):
        server = self.server
        server.served += 1
        body = server.releases(server.served) if server.releases else server.body
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if server.status != 200:
            self.send_error(server.status)
        elif self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
        else:
            self.send_body(body, {"Content-Type": "application/json", "ETag": etag})

    def send_body(self, body: bytes, headers: dict[str, str], status: int = 200) -> None:
        """Send a whole answer: status, headers, Content-Length, body."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def serve_release(
    body: bytes = b"", handler: type[ReleaseHandler] = ReleaseHandler
) -> Iterator[ReleaseServer]:
    """Serve a schedule on 127.0.0.1 (a free port) while the block runs; yield the ReleaseServer."""
    server = ReleaseServer(("127.0.0.1", 0), handler)
    server.body = body
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.url = f"{server.base}/schedule.json"
    # Polled every 50 ms, not 0.5 s: shutdown() waits for the next poll, half a second a test otherwise.
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
