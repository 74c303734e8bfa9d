"""The cluster runs one push sender for all its app processes (issue 24): no app process sends."""

import os
import time
from pathlib import Path

from deploy.cluster import Cluster


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def test_the_cluster_runs_one_push_sender(cluster: Cluster):
    pid = int((cluster.var / "push-sender.pid").read_text())
    log = cluster.var / "push-sender.log"
    deadline = time.monotonic() + 60
    while "encryptor processes" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "encryptor processes, polling every" in log.read_text()  # it started its loop
    # Started by this cluster: one sender; the app processes (gunicorn) started none of their own.
    started_here = [p for p in _children(os.getpid()) if "push sender" in _cmdline(p)]
    assert started_here == [pid]
    for port in cluster.app_ports:
        master = int((cluster.var / f"app-{port}.pid").read_text())
        tree = [master, *_children(master)]
        assert not [p for p in tree for c in _children(p) if "push sender" in _cmdline(c)]
