"""A secret made on first start is never read half-written, even when several processes start at once."""

import multiprocessing
import os
import stat
import time

from webapp.keptfiles import kept_secret


def _slow_secret() -> bytes:
    """A secret whose making takes a while, so that every process is making one at the same moment."""
    time.sleep(0.2)
    return os.urandom(32).hex().encode()


def _start(path, barrier, results) -> None:
    barrier.wait()
    results.put(kept_secret(path, _slow_secret))


def test_processes_starting_at_once_all_use_one_whole_secret(tmp_path):
    path = tmp_path / "var" / "secret_key"
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(6), context.Queue()
    processes = [context.Process(target=_start, args=(path, barrier, results)) for _ in range(6)]
    for process in processes:
        process.start()
    seen = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    assert len(set(seen)) == 1 and len(seen[0]) == 64  # one secret, whole, for every process
    assert path.read_bytes() == seen[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # no temporary file left


def test_a_kept_secret_is_read_again_not_made_again(tmp_path):
    path = tmp_path / "vapid.pem"
    first = kept_secret(path, lambda: b"first")
    assert kept_secret(path, lambda: b"second") == first == b"first"
