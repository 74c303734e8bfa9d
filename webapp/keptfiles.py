"""Secrets the app makes on its first start and keeps in a file (the session key, the VAPID key).

Several processes may start at once on a new machine (a cluster's workers, a test run's workers), so
the file is never seen half-written: the secret is written whole to a private temporary file beside it,
then linked to its name, which fails when another process got there first; then that process's secret
is read and used by everyone.
"""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def kept_secret(path: Path, make: Callable[[], bytes]) -> bytes:
    """Return the bytes kept in path, first writing make()'s there (owner-only) when there are none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process kept its secret first: everyone uses that one
        finally:
            os.unlink(temporary)
    return path.read_bytes()
