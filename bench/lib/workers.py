"""Start and stop the load generator's processes (Node or Python) and exchange messages with them."""

import contextlib
import multiprocessing
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.lib import guard
from bench.lib.nodeclients import NodeWorker
from bench.lib.pyclients import worker_main
from bench.lib.stats import split


@dataclass
class Workers:
    """The load generator's processes and, per worker index, the end of its message channel."""

    procs: list = field(default_factory=list)
    conns: dict = field(default_factory=dict)

    @property
    def pids(self) -> list[int]:
        """Return the pids of every worker process."""
        return [proc.pid for proc in self.procs]


def start(client: str, url: str, n: int, since: int, opts: dict, workdir: Path, parts: int) -> Workers:
    """Start parts workers of kind client ('node' or 'python') that connect n clients to url in all."""
    workers = Workers()
    ctx = multiprocessing.get_context("spawn")
    for index, count in enumerate(split(n, parts)):
        if client == "node":
            node = NodeWorker(index, url, count, since, opts, workdir / f"client-{index}.log")
            workers.procs.append(node)
            workers.conns[index] = node
        else:
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_main,
                args=(index, child, url, count, since, opts),
                name=f"fanout-{index}",
                daemon=True,
            )
            proc.start()
            child.close()
            workers.procs.append(proc)
            workers.conns[index] = parent
        guard.track(workers.procs[-1].pid)
    return workers


def recv_all(conns: dict, kind: str, timeout: float) -> dict:
    """Receive one message of kind from each worker within timeout; return {worker: message or None}."""
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


def send_all(conns: dict, message: dict) -> None:
    """Send message to every worker still listening."""
    for conn in conns.values():
        with contextlib.suppress(OSError, ValueError):
            conn.send(message)


def stop(workers: Workers) -> list[str]:
    """Tell every worker to stop, wait for it (bounded), kill what lingers; return their problems."""
    send_all(workers.conns, {"kind": "abort"})
    notes: list[str] = []
    for proc in workers.procs:
        proc.join(45)  # workers disconnect their clients, then exit
        for end in (proc.terminate, proc.kill):
            if proc.is_alive():
                end()
                proc.join(5)
        guard.untrack(proc.pid)
        if isinstance(proc, NodeWorker):
            notes += proc.problems()
    return notes


def nofile_notes(connected: dict) -> list[str]:
    """Return a note when a Node worker's open-file limit was not raised to the hard limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = [
        m["nofile_soft"] for m in connected.values() if m and m.get("nofile_soft") not in (None, str(hard))
    ]
    return [f"Node client open-file limit {low[0]}, not {hard}: the ulimit did not take"] if low else []
