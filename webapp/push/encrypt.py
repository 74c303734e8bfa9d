"""RFC 8291 message encryption, run in encryptor processes: CPU work kept off every event loop.

This module imports no part of the app, so an encryptor process holds only pywebpush and its
cryptography, and what crosses the process boundary is plain bytes and strings.
"""

import logging
import os
import signal
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context

from pywebpush import WebPusher

log = logging.getLogger(__name__)

CHUNK = 200  # messages per task: big enough that the pipe costs little, small enough to overlap with sending


def encrypt_one(p256dh: str, auth: str, payload: bytes) -> bytes | None:
    """Return payload encrypted for one subscription (aes128gcm, a fresh ephemeral key), or None if its keys are bad."""
    try:
        info = {"endpoint": "", "keys": {"p256dh": p256dh, "auth": auth}}
        return WebPusher(info).encode(payload, "aes128gcm")["body"]
    except Exception:  # a malformed stored key must not stop the others
        log.exception("push message could not be encrypted")
        return None


def encrypt_chunk(items: list[tuple[str, str, bytes]]) -> list[bytes | None]:
    """Encrypt each (p256dh, auth, payload); the task one encryptor process runs."""
    return [encrypt_one(*item) for item in items]


def _encryptor_started() -> None:
    # Ctrl-C and SIGTERM reach the whole process group: the sender stops the pool, not the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def encryptor_pool(processes: int | None = None) -> Executor:
    """Start the encryptor processes (one per core by default); forked, they keep the sender's priority.

    fork, not spawn: the sender may run as `python -m flask`, whose __main__ a spawned child would run
    again. The pool is made before the sender opens a database connection or a thread.
    """
    count = processes or os.cpu_count() or 1
    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=get_context("fork"),
        initializer=_encryptor_started,
    )
    for _ in pool.map(abs, range(count)):  # start them all now, while nothing is open
        pass
    return pool
