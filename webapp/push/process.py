"""Run the push sender beside a web server: its own process, restarted if it dies, stopped with the server.

`make run` (serve.py) uses this; `make cluster` and production run one `flask --app webapp push sender`
under their own supervisor instead (deploy/README.md).
"""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
COMMAND = [sys.executable, "-m", "flask", "--app", "webapp", "push", "sender"]
PARENT_ENV = "PUSH_SENDER_PARENT"  # the sender stops when this process is no longer its parent
RESTART_DELAYS = (1, 2, 5, 10, 30)
STOP_TIMEOUT = 15.0


def parent_gone() -> bool:
    """Return whether the process that started this sender (PUSH_SENDER_PARENT) has gone."""
    parent = os.environ.get(PARENT_ENV)
    return parent is not None and os.getppid() != int(parent)


class SenderProcess:
    """One push sender child process, restarted with backoff when it exits on its own."""

    def __init__(self, command: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.command = command or COMMAND
        self.env = {**(env or os.environ), PARENT_ENV: str(os.getpid())}
        self.proc: subprocess.Popen | None = None
        self.stopping = False
        self.restarts = 0

    def start(self) -> "SenderProcess":
        """Start the child; its output goes where this process's goes."""
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL)
        log.info("push sender started (pid %s)", self.proc.pid)
        return self

    def watch(self) -> None:
        """Wait for the child; restart it when it exits while we are not stopping (run as a background task)."""
        while not self.stopping and self.proc is not None:
            code = self.proc.wait()
            if self.stopping:
                return
            delay = RESTART_DELAYS[min(self.restarts, len(RESTART_DELAYS) - 1)]
            log.error(
                "push sender (pid %s) exited with %s; starting it again in %s s", self.proc.pid, code, delay
            )
            time.sleep(delay)
            self.restarts += 1
            if not self.stopping:
                self.start()

    def stop(self) -> None:
        """Stop the child gracefully (SIGTERM: it finishes the notice it is sending), SIGKILL after a timeout."""
        self.stopping = True
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
