"""Keep every benchmark bounded: a watchdog that stops what the run started once --max-seconds is up."""

import contextlib
import os
import signal
import sys
import threading

_pids: set[int] = set()


def begin(max_seconds: float) -> tuple[str, threading.Timer]:
    """Raise the open-file limit, note the load average and start the watchdog; return the load and timer."""
    from bench.lib.procstats import load_average, raise_nofile

    raise_nofile()
    return load_average(), start_watchdog(max_seconds)


def track(*pids: int) -> None:
    """Remember processes to stop if the run is cut short."""
    _pids.update(pids)


def untrack(*pids: int) -> None:
    """Forget processes that have been stopped the ordinary way."""
    _pids.difference_update(pids)


def _stop_everything(seconds: float) -> None:
    print(f"--max-seconds ({seconds:.0f} s) reached: stopping everything", file=sys.stderr, flush=True)
    for pid in list(_pids):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    os._exit(3)


def start_watchdog(seconds: float) -> threading.Timer:
    """Start a timer that kills every tracked process and exits with status 3 after seconds."""
    timer = threading.Timer(seconds, _stop_everything, args=(seconds,))
    timer.daemon = True
    timer.start()
    return timer
