"""What a process holding thousands of websockets sets up: serve.py and gunicorn's worker alike.

It imports nothing of the app: gunicorn's configuration reads it, and serve.py uses it after gevent
has patched the standard library.
"""

import gc
import resource


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit and return it: one descriptor per websocket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def settle_loaded_app() -> None:
    """Keep what is loaded so far out of the collector's full passes; collect the youngest generation less often.

    Everything loaded before serving lives as long as the process. With thousands of sockets open, a
    full pass over their objects stalled a staff change for about 250 ms (bench/fanout.py, 2,000 clients).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
