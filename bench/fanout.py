"""Fan-out of staff changes to many Socket.IO clients: connect time, delivery latency and losses.

For each N in --clients it starts a fresh server (serve.py on gevent, a temporary SQLite database, a
staff account and bearer token made with the CLI beforehand), connects N python-socketio AsyncClients
(websocket transport, auth {since: current seq}) spread over --workers processes, each one asyncio
loop, then POSTs --changes room_status changes to /api/changes about --interval seconds apart
(alternating full/open). Every client records time.time() when each "change" arrives; the latency of a
delivery is that time minus the time just before its POST was sent (one machine, so one clock).

Per N it reports how many clients connected (and the connect time), p50/p99/max latency over every
(client, change) pair, losses (N*K expected deliveries minus those received), duplicates and
out-of-order deliveries, disconnects, the latency of each change (queueing shows as growth), the POST
round trip, the CPU used by the server, the client processes and the rest of the machine from the first
POST until every client had every change (or --grace ran out), the server's open descriptors and
memory, and problems in its log. A markdown table closes the output. Exit status: 0 when every client
connected and got every change, 1 otherwise, 2 when it cannot run, 3 when --max-seconds stopped it.

With --client node the load is made by Node instead: bench/fanout-client.mjs runs the clients with the
project's own socket.io-client (node_modules/socket.io-client, websocket only, auth {since}, one engine.io
connection each, permessage-deflate not offered unless --node-deflate, like the Python clients) in
--workers Node processes, each started as `bash -c 'ulimit -Sn <hard>; exec node ...'` (Node cannot raise
its own open-file limit) and driven over stdin/stdout with JSON lines. They report the same connected and
results messages as the Python workers, receive times from Date.now(), so the latency, loss, duplicate and
order figures and the table come from the same code whichever client made the load.

With --node-peer the same load also runs against bench/node-peer.mjs, a plain Node socket.io 4 server
(no database) that rebroadcasts what is POSTed; socket.io is installed outside the project with
`npm install --prefix /tmp/vl-peer socket.io@4` when it is not there already.

Everything is on 127.0.0.1; the server shares the machine (and its cores) with the load generator.
Every wait is bounded, and --max-seconds stops the whole run (servers and workers included).

Run from the repository root (python-socketio's asyncio client needs aiohttp in .venv):
    .venv/bin/python bench/fanout.py --clients 500 2000 5000 --changes 20 --workers 4 [--node-peer]
    .venv/bin/python bench/fanout.py --client node --clients 500 2000 5000 --changes 20 --workers 4 --node-peer
"""

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
NODE_PEER = ROOT / "bench" / "node-peer.mjs"
NODE_CLIENT = ROOT / "bench" / "fanout-client.mjs"
NODE_CLIENT_LIB = ROOT / "node_modules" / "socket.io-client" / "package.json"
ROOM = "kins-7f-auditorium"
STAFF_NAME = "bench"
STAFF_PASSWORD = "bench-password-123456"
READY_TIMEOUT = 90.0
HTTP_TIMEOUT = 15.0
LOG_PROBLEMS = ("Traceback", "Error", "ERROR", "WARNING", "Exception", "Too many open files")

_children: list[subprocess.Popen] = []  # servers and CLI runs this process started
_workers: list = []  # multiprocessing.Process and NodeWorker objects this process started
_workdirs: list[Path] = []  # temporary directories this process made


def raise_nofile() -> tuple[int, int]:
    """Raise the soft open-file limit to the hard limit; return (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fmt_ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value * 1000:.0f}"


# --- the load generator: one process, one asyncio loop, many clients --------------------------------


def worker_main(index: int, conn, url: str, count: int, since: int, opts: dict) -> None:
    """Entry point of a worker process (spawned): run count clients, talk to the coordinator over conn."""
    raise_nofile()
    import asyncio

    try:
        asyncio.run(_worker(index, conn, url, count, since, opts))
    except Exception as exc:  # report instead of dying silently; the coordinator bounds its waits anyway
        with contextlib.suppress(Exception):
            conn.send({"kind": "error", "worker": index, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


class _CountingHandler:
    """A logging handler that counts the client libraries' log records instead of printing them."""

    def __init__(self) -> None:
        import logging

        self.counts: Counter = Counter()
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.counts.update(
            [f"{record.levelname}: {record.getMessage()[:100]}"]
        )


async def _worker(index: int, conn, url: str, count: int, since: int, opts: dict) -> None:
    import asyncio
    import logging

    import aiohttp
    import socketio

    client_logs = _CountingHandler()
    for name in ("engineio.client", "socketio.client"):
        library_logger = logging.getLogger(name)
        library_logger.addHandler(client_logs.handler)
        library_logger.setLevel(logging.WARNING)
        library_logger.propagate = False

    seqs: list[list[int]] = [[] for _ in range(count)]
    times: list[list[float]] = [[] for _ in range(count)]
    synced: list[int | None] = [None] * count
    other_events: Counter = Counter()
    disconnects: Counter = Counter()
    clients: list = [None] * count
    errors: Counter = Counter()
    connect_durations: list[float] = []
    gate = asyncio.Semaphore(opts["connect_concurrency"])
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False))

    def make_client(i: int):
        client = socketio.AsyncClient(
            reconnection=False,
            http_session=session,
            logger=logging.getLogger("socketio.client"),
            engineio_logger=logging.getLogger("engineio.client"),
        )

        async def on_change(data):
            now = time.time()
            seqs[i].append(data.get("seq") if isinstance(data, dict) else None)
            times[i].append(now)

        async def on_synced(data):
            synced[i] = data.get("seq") if isinstance(data, dict) else -1

        async def on_disconnect(reason=None):
            disconnects[str(reason)] += 1

        async def on_other(event, *_args):
            other_events[event] += 1

        client.on("change", on_change)
        client.on("synced", on_synced)
        client.on("disconnect", on_disconnect)
        client.on("*", on_other)
        return client

    async def connect_one(i: int) -> None:
        client = make_client(i)
        clients[i] = client
        async with gate:
            start = time.monotonic()
            try:
                await asyncio.wait_for(
                    client.connect(
                        url,
                        transports=["websocket"],
                        auth={"since": since},
                        wait_timeout=opts["connect_timeout"],
                    ),
                    opts["connect_timeout"] + 5,
                )
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.disconnect(), 5)
                clients[i] = None
                return
            connect_durations.append(time.monotonic() - start)

    phase_start = time.time()
    tasks = [asyncio.ensure_future(connect_one(i)) for i in range(count)]
    _done, pending = await asyncio.wait(tasks, timeout=opts["connect_phase_timeout"])
    for task in pending:
        task.cancel()
    if pending:
        errors["connect phase timed out"] += len(pending)
        await asyncio.gather(*pending, return_exceptions=True)
        for i, task in enumerate(tasks):
            if task in pending:
                clients[i] = None
    phase_end = time.time()
    conn.send(
        {
            "kind": "connected",
            "worker": index,
            "ok": len(connect_durations),
            "failed": count - len(connect_durations),
            "errors": dict(errors),
            "durations": connect_durations,
            "start": phase_start,
            "end": phase_end,
        }
    )

    # Hold the connections until the coordinator has posted its changes (bounded).
    message = None
    hold_deadline = time.monotonic() + opts["hold_timeout"]
    while time.monotonic() < hold_deadline:
        if conn.poll():
            message = conn.recv()
            break
        await asyncio.sleep(0.05)

    if message and message.get("kind") == "collect":
        wanted = set(message["seqs"])
        live = [i for i in range(count) if clients[i] is not None]
        deadline = time.monotonic() + message["grace"]
        while time.monotonic() < deadline:
            if all(wanted.issubset(seqs[i]) for i in live):
                break
            await asyncio.sleep(0.2)  # receive times are taken in on_change, not here
        conn.send(
            {
                "kind": "results",
                "worker": index,
                "seqs": [seqs[i] for i in live],
                "times": [times[i] for i in live],
                "synced": sum(1 for i in live if synced[i] is not None),
                "synced_wrong": sum(1 for i in live if synced[i] is not None and synced[i] != since),
                "still_connected": sum(1 for i in live if clients[i].connected),
                "disconnects": dict(disconnects),
                "client_logs": dict(client_logs.counts),
                "other_events": dict(other_events),
            }
        )

    live_clients = [c for c in clients if c is not None]
    if live_clients:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*(c.disconnect() for c in live_clients), return_exceptions=True),
                opts["teardown_timeout"],
            )
    with contextlib.suppress(Exception):
        await asyncio.wait_for(session.close(), 5)


# --- the load generator with Node: fanout-client.mjs behind the interface of a Pipe and a Process ------

_EOF = object()


class NodeWorker:
    """One bench/fanout-client.mjs process, usable both as a worker's Pipe end (poll, recv, send) and as its
    Process (pid, is_alive, join, terminate, kill), so measure() drives it like a Python worker."""

    def __init__(self, index: int, url: str, count: int, since: int, opts: dict, log_path: Path) -> None:
        config = {"worker": index, "url": url, "count": count, "since": since, **opts}
        self.name = f"fanout-node-{index}"
        self.log_path = log_path
        self.stray: list[str] = []  # stdout lines that were not JSON
        self._queue: queue.Queue = queue.Queue()
        self._pending = None
        with open(log_path, "wb") as log:
            # Node has no setrlimit: raise the soft open-file limit in the shell, then become node (same pid).
            self.proc = subprocess.Popen(
                [
                    "bash",
                    "-c",
                    'ulimit -Sn "$(ulimit -Hn)" 2>/dev/null; exec node "$0" "$1"',
                    str(NODE_CLIENT),
                    json.dumps(config),
                ],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, name=f"{self.name}-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").strip()
                if not line:
                    continue
                try:
                    message = json.loads(line)
                except ValueError:
                    self.stray.append(line[:200])
                    continue
                if isinstance(message, dict):
                    self._queue.put(message)
        except (OSError, ValueError):
            pass
        finally:
            self._queue.put(_EOF)

    # the Pipe side
    def poll(self, timeout: float = 0.0) -> bool:
        if self._pending is None:
            try:
                self._pending = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
            except queue.Empty:
                return False
        return True

    def recv(self):
        if self._pending is None:
            self._pending = self._queue.get()
        message = self._pending
        if message is _EOF:
            raise EOFError(f"{self.name} closed its output")
        self._pending = None
        return message

    def send(self, message: dict) -> None:
        if self.proc.stdin is None or self.proc.stdin.closed:
            raise OSError(f"{self.name}: its input is closed")
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin:
                self.proc.stdin.close()

    # the Process side
    def is_alive(self) -> bool:
        return self.proc.poll() is None

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        if self.proc.poll() is not None:
            self.close()
            self._reader.join(2)

    def terminate(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.terminate()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()

    def problems(self) -> list[str]:
        """What went wrong in this process: its exit status, its stderr and stray output."""
        notes = []
        if self.proc.returncode not in (0, None):
            notes.append(f"{self.name} exited with status {self.proc.returncode}")
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace").strip()
            if text:
                notes.append(f"{self.name} stderr: {text[-600:]}")
        if self.stray:
            notes.append(f"{self.name} printed {len(self.stray)} non-JSON line(s), e.g. {self.stray[0]}")
        return notes


def node_client_ready() -> str | None:
    """Return why the Node clients cannot run, or None if they can."""
    if shutil.which("node") is None or shutil.which("bash") is None:
        return "node or bash not found"
    if not NODE_CLIENT_LIB.exists():
        return f"{NODE_CLIENT_LIB.parent} is missing: run `npm ci` in the repository (make test does)"
    return None


# --- servers -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(args: list[str], env: dict, stdin: str | None = None) -> str:
    """Run one `flask --app webapp ...` command; return its stdout or raise with its output."""
    cmd = [str(VENV_BIN / "flask"), "--app", "webapp", *args]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:])} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return proc.stdout


@dataclass
class Server:
    target: str
    proc: subprocess.Popen
    port: int
    log_path: Path
    token: str | None
    workdir: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_venue(workdir: Path) -> Server:
    """Make the database, a staff account and a token with the CLI, then start serve.py."""
    env = dict(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", SECRET_KEY="x", PYTHONUNBUFFERED="1")
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    env.pop("ACCESS_LOG", None)
    run_cli(["db", "upgrade"], env)
    run_cli(["staff", "create", STAFF_NAME], env, stdin=STAFF_PASSWORD + "\n")
    token = run_cli(["staff", "token", STAFF_NAME], env).strip().splitlines()[-1].strip()
    env.update(PORT=str(free_port()), HOST="127.0.0.1")
    return spawn_server(
        "venue", [str(VENV_BIN / "python"), "serve.py"], ROOT, env, workdir, token, "Venue Live:"
    )


def spawn_server(
    name: str, command: list[str], cwd: Path, env: dict, workdir: Path, token: str | None, ready: str
) -> Server:
    """Start one server under test, its output in workdir/server.log; return it once it prints ready."""
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children.append(proc)
    server = Server(name, proc, int(env["PORT"]), log_path, token, workdir)
    wait_ready(server, ready)
    return server


def node_peer_ready(peer_dir: Path) -> str | None:
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


def start_node(workdir: Path, peer_dir: Path) -> Server:
    env = dict(os.environ, PORT=str(free_port()), HOST="127.0.0.1", SOCKETIO_PEER_DIR=str(peer_dir))
    return spawn_server("node", ["node", str(NODE_PEER)], workdir, env, workdir, None, "node-peer:")


def wait_ready(server: Server, marker: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = server.log_path.read_text(errors="replace")
        if marker in text:
            break
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.target} server exited ({server.proc.returncode}):\n{text[-2000:]}")
        time.sleep(0.1)
    else:
        raise RuntimeError(f"{server.target} server not ready within {READY_TIMEOUT:.0f} s")
    # serve.py prints its line just before it binds the port: wait until the port answers too.
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.target} server exited ({server.proc.returncode})")
        time.sleep(0.05)
    raise RuntimeError(f"{server.target} server did not accept connections within {READY_TIMEOUT:.0f} s")


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group this process started, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def proc_stats(pid: int) -> dict:
    """Open descriptors, RSS, CPU seconds and the soft open-file limit of a process, from /proc."""
    stats: dict = {}
    with contextlib.suppress(OSError):
        stats["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                stats["rss_mib"] = int(line.split()[1]) / 1024
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        stats["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                stats["nofile_soft"] = line.split()[3]
    return stats


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / hz, total / hz


def log_problems(path: Path) -> tuple[int, list[str]]:
    """Count lines of the server log that look like trouble; return the count and the first few."""
    lines = [
        line
        for line in path.read_text(errors="replace").splitlines()
        if any(word in line for word in LOG_PROBLEMS)
    ]
    return len(lines), list(dict.fromkeys(lines))[:8]


# --- one measurement ---------------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    n: int
    k: int
    connected: int = 0
    connect_wall: float = math.nan
    connect_p50: float = math.nan
    connect_p99: float = math.nan
    connect_errors: dict = field(default_factory=dict)
    posted: int = 0
    post_errors: list = field(default_factory=list)
    post_rtt_p50: float = math.nan
    post_rtt_max: float = math.nan
    p50: float = math.nan
    p99: float = math.nan
    max: float = math.nan
    received: int = 0
    lost: int = 0
    lost_connected: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    synced: int = 0
    still_connected: int = 0
    disconnects: dict = field(default_factory=dict)
    client_logs: dict = field(default_factory=dict)
    per_change_p50: list = field(default_factory=list)
    per_change_max: list = field(default_factory=list)
    window: float = math.nan
    machine_busy: float = math.nan
    own_cpu: float = math.nan
    other_events: dict = field(default_factory=dict)
    server: dict = field(default_factory=dict)
    server_cpu_fanout: float = math.nan
    workers_cpu_fanout: float = math.nan
    fanout_wall: float = math.nan
    log_problem_count: int = 0
    log_problem_lines: list = field(default_factory=list)
    notes: list = field(default_factory=list)


class Http:
    """One keep-alive HTTP connection to the server under test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):  # once more on a fresh connection if the kept-alive one was closed
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, json.loads(payload or b"null")
            except (OSError, http.client.HTTPException) as exc:
                # Never reuse a connection that failed: start the next request on a fresh one.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
                retry = isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                )
                if attempt == 2 or not retry:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts) if n // parts or i < n % parts]


def recv_all(conns: dict, kind: str, timeout: float) -> dict:
    """Receive one message of kind from each worker's pipe within timeout; return {worker: message}."""
    got: dict = {}
    deadline = time.monotonic() + timeout
    while len(got) < len(conns) and time.monotonic() < deadline:
        for index, conn in conns.items():
            if index in got:
                continue
            try:
                if conn.poll(0.02):
                    message = conn.recv()
                    if message.get("kind") == "error":
                        print(f"  worker {index}: {message['error']}", flush=True)
                        got[index] = None
                    elif message.get("kind") == kind:
                        got[index] = message
            except (EOFError, OSError):
                got[index] = None
    return got


def measure(target: str, n: int, args, template: dict | None) -> tuple[Result, dict | None]:
    """Start a server, connect n clients, post args.changes changes, collect; always stop everything."""
    result = Result(target, n, args.changes)
    workdir = Path(tempfile.mkdtemp(prefix=f"vl-fanout-{target}-{n}-"))
    _workdirs.append(workdir)
    server = None
    procs: list = []
    conns: dict = {}
    last_change = template
    try:
        server = start_venue(workdir) if target == "venue" else start_node(workdir, Path(args.node_peer_dir))
        client = Http(server.port)
        status, head = client.request("GET", "/api/changes?since=0")
        if status != 200:
            raise RuntimeError(f"GET /api/changes answered {status}: {head}")
        since = head["seq"]
        result.server = proc_stats(server.proc.pid)

        ctx = multiprocessing.get_context("spawn")
        shares = split(n, args.workers)
        opts = {
            "connect_concurrency": args.connect_concurrency,
            "connect_timeout": args.connect_timeout,
            "connect_phase_timeout": args.connect_phase_timeout,
            "hold_timeout": args.connect_phase_timeout + args.changes * (args.interval + HTTP_TIMEOUT) + 120,
            "teardown_timeout": 30,
        }
        for index, count in enumerate(shares):
            if args.client == "node":
                node = NodeWorker(
                    index,
                    server.base,
                    count,
                    since,
                    {**opts, "deflate": args.node_deflate},
                    workdir / f"client-{index}.log",
                )
                procs.append(node)
                _workers.append(node)
                conns[index] = node
                continue
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_main,
                args=(index, child, server.base, count, since, opts),
                name=f"fanout-worker-{index}",
                daemon=True,
            )
            proc.start()
            child.close()
            procs.append(proc)
            _workers.append(proc)
            conns[index] = parent

        connected = recv_all(conns, "connected", args.connect_phase_timeout + 60)
        durations: list[float] = []
        errors: Counter = Counter()
        starts, ends = [], []
        for message in connected.values():
            if not message:
                continue
            result.connected += message["ok"]
            durations += message["durations"]
            errors.update(message["errors"])
            starts.append(message["start"])
            ends.append(message["end"])
        missing = len(shares) - sum(1 for m in connected.values() if m)
        clients_seen = {m["client"] for m in connected.values() if m and m.get("client")}
        if clients_seen:
            result.notes.append(f"clients: {', '.join(sorted(clients_seen))}")
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        low = [
            m["nofile_soft"]
            for m in connected.values()
            if m and m.get("nofile_soft") not in (None, str(hard))
        ]
        if low:
            result.notes.append(f"Node client open-file limit {low[0]}, not {hard}: the ulimit did not take")
        if missing:
            result.notes.append(f"{missing} worker(s) never reported their connections")
        durations.sort()
        result.connect_p50, result.connect_p99 = percentile(durations, 50), percentile(durations, 99)
        result.connect_wall = (max(ends) - min(starts)) if starts else math.nan
        result.connect_errors = dict(errors.most_common(5))
        result.server = proc_stats(server.proc.pid)
        print(
            f"  {target} N={n}: {result.connected}/{n} connected in {result.connect_wall:.1f} s "
            f"(server fds {result.server.get('fds')}, rss {result.server.get('rss_mib', 0):.0f} MiB)",
            flush=True,
        )

        posts: dict[int, float] = {}
        rtts: list[float] = []
        if result.connected:
            time.sleep(args.settle)
            cpu_before = proc_stats(server.proc.pid).get("cpu_s", math.nan)
            workers_cpu_before = sum(proc_stats(p.pid).get("cpu_s", 0.0) for p in procs)
            own_before, machine_before, wall_before = time.process_time(), machine_cpu(), time.monotonic()
            statuses = ("full", "open")
            flip = 0
            t0 = time.monotonic()
            post_deadline = t0 + args.changes * (args.interval + HTTP_TIMEOUT)
            for i in range(args.changes):
                delay = t0 + i * args.interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if time.monotonic() > post_deadline:
                    result.post_errors.append(f"posting took too long; stopped after {i} changes")
                    break
                body = {"kind": "room_status", "room": ROOM, "status": statuses[(i + flip) % 2]}
                if target == "node" and template:
                    body = {k: v for k, v in template.items() if k not in ("seq", "at")}
                    body["after"] = {"status": statuses[(i + flip) % 2]}
                status, change = 0, None
                for _attempt in (1, 2):  # a second time only if the room already had that status
                    sent = time.time()
                    try:
                        status, change = client.request("POST", "/api/changes", body, server.token)
                    except (OSError, http.client.HTTPException, ValueError) as exc:
                        status, change = 0, f"{type(exc).__name__}: {exc}"
                        break
                    rtts.append(time.time() - sent)
                    if status != 400 or not isinstance(change, dict) or change.get("error") != "no_change":
                        break
                    flip += 1
                    body["status"] = statuses[(i + flip) % 2]
                if status != 201:
                    result.post_errors.append(f"change {i}: {status} {change}")
                    continue
                posts[change["seq"]] = sent
                last_change = change
            result.fanout_wall = time.monotonic() - t0
            result.posted = len(posts)
            rtts.sort()
            result.post_rtt_p50, result.post_rtt_max = percentile(rtts, 50), (rtts[-1] if rtts else math.nan)

        live = {i: c for i, c in conns.items() if connected.get(i)}
        for conn in live.values():
            with contextlib.suppress(OSError):
                conn.send({"kind": "collect", "seqs": sorted(posts), "grace": args.grace})
        collected = recv_all(live, "results", args.grace + 60)
        if result.connected:
            result.window = time.monotonic() - wall_before
            result.server_cpu_fanout = proc_stats(server.proc.pid).get("cpu_s", math.nan) - cpu_before
            result.workers_cpu_fanout = (
                sum(proc_stats(p.pid).get("cpu_s", 0.0) for p in procs) - workers_cpu_before
            )
            result.own_cpu = time.process_time() - own_before
            result.machine_busy = machine_cpu()[0] - machine_before[0]
        client.close()

        latencies: list[float] = []
        by_change: dict[int, list[float]] = {seq: [] for seq in posts}
        wanted = set(posts)
        for message in collected.values():
            if not message:
                continue
            result.synced += message["synced"]
            if message["synced_wrong"]:
                result.notes.append(
                    f"{message['synced_wrong']} client(s) got a 'synced' seq other than {since}"
                )
            result.still_connected += message["still_connected"]
            for reason, count in message["disconnects"].items():
                result.disconnects[reason] = result.disconnects.get(reason, 0) + count
            for line, count in message["client_logs"].items():
                result.client_logs[line] = result.client_logs.get(line, 0) + count
            for event, count in message["other_events"].items():
                result.other_events[event] = result.other_events.get(event, 0) + count
            for seq_list, time_list in zip(message["seqs"], message["times"], strict=True):
                seen: set[int] = set()
                previous = -1
                for seq, at in zip(seq_list, time_list, strict=True):
                    if seq in seen:
                        result.duplicates += 1
                        continue
                    if isinstance(seq, int) and seq < previous:
                        result.out_of_order += 1
                    previous = max(previous, seq) if isinstance(seq, int) else previous
                    seen.add(seq)
                    if seq in wanted:
                        latencies.append(at - posts[seq])
                        by_change[seq].append(at - posts[seq])
                result.received += len(seen & wanted)
        latencies.sort()
        result.p50, result.p99 = percentile(latencies, 50), percentile(latencies, 99)
        result.max = latencies[-1] if latencies else math.nan
        for seq in sorted(by_change):
            values = sorted(by_change[seq])
            result.per_change_p50.append(percentile(values, 50))
            result.per_change_max.append(values[-1] if values else math.nan)
        result.lost = n * args.changes - result.received
        result.lost_connected = result.connected * result.posted - result.received
        if result.posted < args.changes:
            result.notes.append(f"only {result.posted}/{args.changes} changes were accepted")
    except Exception as exc:
        result.notes.append(f"{type(exc).__name__}: {exc}")
        print(f"  {target} N={n} failed: {exc}", flush=True)
    finally:
        for conn in conns.values():  # a worker still waiting for "collect" gives up at once
            with contextlib.suppress(OSError, ValueError):
                conn.send({"kind": "abort"})
        for proc in procs:
            proc.join(45)  # workers disconnect their clients, then exit
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            if isinstance(proc, NodeWorker):
                result.notes += proc.problems()
        if server:
            if server.proc.poll() is not None:
                result.notes.append(
                    f"the server exited (status {server.proc.returncode}) during the run; this script stops "
                    "it only after the run"
                )
            stop_process(server.proc)
            result.log_problem_count, result.log_problem_lines = log_problems(server.log_path)
            if args.keep_logs:
                result.notes.append(f"server log: {server.log_path}")
        if not args.keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)
    return result, last_change


# --- report ------------------------------------------------------------------------------------------


def print_result(r: Result) -> None:
    print(
        f"  {r.target} N={r.n}: {r.connected} connected, {r.posted} changes, latency p50 {fmt_ms(r.p50)} ms "
        f"p99 {fmt_ms(r.p99)} ms max {fmt_ms(r.max)} ms; received {r.received}/{r.n * r.k}, "
        f"lost {r.lost} ({r.lost_connected} among connected), dup {r.duplicates}, out-of-order {r.out_of_order}",
        flush=True,
    )
    print(
        f"    synced {r.synced}, still connected at the end {r.still_connected}, disconnects {r.disconnects}; "
        f"POST round trip p50 {fmt_ms(r.post_rtt_p50)} ms max {fmt_ms(r.post_rtt_max)} ms; "
        f"posting took {r.fanout_wall:.1f} s",
        flush=True,
    )
    if r.per_change_p50:
        print(f"    per change p50 (ms): {' '.join(fmt_ms(v) for v in r.per_change_p50)}", flush=True)
        print(f"    per change max (ms): {' '.join(fmt_ms(v) for v in r.per_change_max)}", flush=True)
    if not math.isnan(r.window):
        capacity = (os.cpu_count() or 1) * r.window
        others = r.machine_busy - r.server_cpu_fanout - r.workers_cpu_fanout - r.own_cpu
        print(
            f"    CPU from the first POST until all delivered ({r.window:.1f} s wall, {capacity:.1f} CPU-s on "
            f"{os.cpu_count()} CPUs): server {r.server_cpu_fanout:.1f} s, client workers "
            f"{r.workers_cpu_fanout:.1f} s, coordinator {r.own_cpu:.1f} s, rest of the machine {others:.1f} s "
            f"(machine busy {r.machine_busy:.1f} s)",
            flush=True,
        )
    print(f"    server after connecting: {r.server}", flush=True)
    if r.connect_errors:
        print(f"    connect errors: {r.connect_errors}", flush=True)
    if r.client_logs:
        top = sorted(r.client_logs.items(), key=lambda item: -item[1])[:5]
        print(f"    client library log: {dict(top)}", flush=True)
    if r.other_events:
        print(f"    other events received: {r.other_events}", flush=True)
    if r.post_errors:
        print(f"    POST errors: {r.post_errors[:5]}", flush=True)
    if r.log_problem_count:
        print(f"    server log: {r.log_problem_count} problem line(s), e.g.:", flush=True)
        for line in r.log_problem_lines:
            print(f"      {line[:200]}", flush=True)
    else:
        print("    server log: no errors or warnings", flush=True)
    for note in r.notes:
        print(f"    note: {note}", flush=True)


def markdown(results: list[Result], args) -> str:
    head = (
        "| server | N | connected | connect time (s) | connect p50/p99 (ms) | changes | p50 (ms) | p99 (ms) "
        "| max (ms) | received / expected | lost | dup | out-of-order | disconnects "
        "| CPU s: server / clients / others (window s) |"
    )
    rows = [head, "|" + "---|" * 15]
    for r in results:
        connect_wall = "-" if math.isnan(r.connect_wall) else f"{r.connect_wall:.1f}"
        if math.isnan(r.window):
            cpu = "-"
        else:
            others = r.machine_busy - r.server_cpu_fanout - r.workers_cpu_fanout - r.own_cpu
            cpu = f"{r.server_cpu_fanout:.1f} / {r.workers_cpu_fanout:.1f} / {others:.1f} ({r.window:.1f})"
        rows.append(
            f"| {r.target} | {r.n} | {r.connected} | {connect_wall} | "
            f"{fmt_ms(r.connect_p50)}/{fmt_ms(r.connect_p99)} | {r.posted} | {fmt_ms(r.p50)} | {fmt_ms(r.p99)} | "
            f"{fmt_ms(r.max)} | {r.received} / {r.n * args.changes} | {r.lost} | "
            f"{r.duplicates} | {r.out_of_order} | {sum(r.disconnects.values())} | {cpu} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[500, 2000, 5000], help="values of N")
    parser.add_argument("--changes", type=int, default=20, help="changes posted per N (K)")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between changes")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument(
        "--client",
        choices=("python", "node"),
        default="python",
        help="load generator: python-socketio AsyncClients, or socket.io-client under Node (fanout-client.mjs)",
    )
    parser.add_argument(
        "--node-deflate",
        action="store_true",
        help="with --client node: offer permessage-deflate as browsers do (off by default, like the Python clients)",
    )
    parser.add_argument("--connect-concurrency", type=int, default=16, help="connects in flight per worker")
    parser.add_argument("--connect-timeout", type=float, default=60.0, help="seconds for one client")
    parser.add_argument("--connect-phase-timeout", type=float, default=240.0, help="seconds to connect all")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds between connecting and posting")
    parser.add_argument("--grace", type=float, default=15.0, help="seconds to wait for late deliveries")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="stop everything after this")
    parser.add_argument("--node-peer", action="store_true", help="also measure bench/node-peer.mjs")
    parser.add_argument("--node-peer-dir", default="/tmp/vl-peer", help="where socket.io@4 is installed")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary directories")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.changes < 1 or args.workers < 1 or any(n < 1 for n in args.clients):
        parser.error("--changes, --workers and every --clients value must be at least 1")

    if args.client == "node":
        why = node_client_ready()
        if why:
            print(f"--client node cannot run: {why}", file=sys.stderr)
            return 2
    else:
        try:
            import aiohttp  # noqa: F401
            import socketio  # noqa: F401
        except ImportError as exc:
            print(
                f"cannot import {exc.name}: run `.venv/bin/pip install 'python-socketio[asyncio_client]' aiohttp`",
                file=sys.stderr,
            )
            return 2

    soft, hard = raise_nofile()
    started = time.monotonic()

    def watchdog() -> None:
        print(
            f"--max-seconds ({args.max_seconds:.0f} s) reached: stopping everything",
            file=sys.stderr,
            flush=True,
        )
        for proc in _workers:
            with contextlib.suppress(Exception):
                proc.kill()
        for proc in _children:
            with contextlib.suppress(Exception):
                stop_process(proc, grace=3)
        if not args.keep_logs:
            for workdir in _workdirs:
                shutil.rmtree(workdir, ignore_errors=True)
        os._exit(3)

    timer = threading.Timer(args.max_seconds, watchdog)
    timer.daemon = True
    timer.start()

    print(
        f"fan-out: N={args.clients}, K={args.changes} every {args.interval} s, {args.workers} {args.client} "
        f"client processes; "
        f"{os.cpu_count()} CPUs shared by the server and the load generator; open-file limit {soft}/{hard}",
        flush=True,
    )
    targets = ["venue"]
    if args.node_peer:
        why = node_peer_ready(Path(args.node_peer_dir))
        if why:
            print(f"--node-peer skipped: {why}", flush=True)
        else:
            targets.append("node")

    results: list[Result] = []
    template = None
    try:
        for target in targets:
            for n in args.clients:
                if time.monotonic() - started > args.max_seconds - 30:
                    print(f"  {target} N={n}: skipped, too little of --max-seconds left", flush=True)
                    skipped = Result(target, n, args.changes, lost=n * args.changes)
                    skipped.notes.append("skipped: too little of --max-seconds left")
                    results.append(skipped)
                    continue
                print(f"{target} N={n} ...", flush=True)
                result, change = measure(target, n, args, template)
                if target == "venue" and change:
                    template = change
                print_result(result)
                results.append(result)
    finally:
        timer.cancel()
        for proc in _children:
            stop_process(proc, grace=3)

    print()
    print(
        f"Fan-out of {args.changes} changes, {args.interval * 1000:.0f} ms apart; latency = client receive time "
        f"minus the time just before the POST. Server and {args.workers} {args.client} client processes share "
        f"{os.cpu_count()} CPUs (open-file limit {soft}/{hard}).",
    )
    print()
    print(markdown(results, args))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2, default=str))
    complete = all(r.connected == r.n and r.received == r.n * args.changes for r in results)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
