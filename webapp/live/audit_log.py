"""One log line per committed change (seq, kind, by), for operators: subscribes to change_committed."""

import logging

from webapp.live.signals import change_committed

log = logging.getLogger(__name__)


def log_change(change, **_extra) -> None:
    """Log one committed change as key=value fields: seq, kind, by, and what it is about."""
    about = change.session_id or change.room_id or change.venue_id or change.announcement_id
    log.info(
        "change seq=%d kind=%s by=%s about=%s",
        change.seq,
        change.kind,
        change.by,
        about,
        extra={"seq": change.seq, "kind": change.kind, "by": change.by},
    )


def init() -> None:
    """Log every committed change (blinker keeps one registration however often this is called)."""
    change_committed.connect(log_change)
    # Like python-socketio's own logger (python-socketio 5.18): seen even when the process
    # configured no logging (serve.py does not), where Python would show warnings only.
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not log.handlers:
        log.addHandler(logging.StreamHandler())
        log.propagate = False
