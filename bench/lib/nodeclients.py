"""The Node load generator: bench/fanout-client.mjs processes behind the interface of a Pipe and a Process."""

import contextlib
import json
import queue
import shutil
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NODE_CLIENT = ROOT / "bench" / "fanout-client.mjs"
NODE_CLIENT_LIB = ROOT / "node_modules" / "socket.io-client" / "package.json"

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
        """Tell whether a message is waiting (waiting at most timeout seconds)."""
        if self._pending is None:
            try:
                self._pending = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
            except queue.Empty:
                return False
        return True

    def recv(self):
        """Return the next message, raising EOFError once the process has closed its output."""
        if self._pending is None:
            self._pending = self._queue.get()
        message = self._pending
        if message is _EOF:
            raise EOFError(f"{self.name} closed its output")
        self._pending = None
        return message

    def send(self, message: dict) -> None:
        """Write message to the process as one JSON line."""
        if self.proc.stdin is None or self.proc.stdin.closed:
            raise OSError(f"{self.name}: its input is closed")
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def close(self) -> None:
        """Close the process's input (it then stops)."""
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin:
                self.proc.stdin.close()

    # the Process side
    def is_alive(self) -> bool:
        """Tell whether the process still runs."""
        return self.proc.poll() is None

    def join(self, timeout: float | None = None) -> None:
        """Wait for the process to end (at most timeout seconds)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        if self.proc.poll() is not None:
            self.close()
            self._reader.join(2)

    def terminate(self) -> None:
        """Send the process SIGTERM."""
        with contextlib.suppress(OSError):
            self.proc.terminate()

    def kill(self) -> None:
        """Send the process SIGKILL."""
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
