"""Signals other features subscribe to: `change_committed` is sent by publish() after every commit."""

import logging
from collections.abc import Callable
from typing import Any

from blinker import NamedSignal

from webapp.extensions import db

log = logging.getLogger(__name__)


class RobustSignal(NamedSignal):
    """A signal whose receivers cannot fail the sender or each other (Django's Signal.send_robust).

    blinker's send() (blinker 1.9, base.py Signal.send) lets a receiver's exception propagate and skips
    the receivers after it. After a commit that is wrong: the change was made, so staff must be told
    so, and every change of a batch must still be published. Here each receiver's error is logged with
    its traceback and returned in place of its result, and `after_error` runs before the next receiver.
    """

    def __init__(self, name: str, after_error: Callable[[], None] | None = None) -> None:
        super().__init__(name)
        self.after_error = after_error

    def send(self, sender: Any = None, /, **kwargs: Any) -> list[tuple[Any, Any]]:
        """Call every receiver; return (receiver, its result or the exception it raised) for each."""
        if self.is_muted:
            return []
        results = []
        for receiver in self.receivers_for(sender):
            try:
                result = receiver(sender, **kwargs)
            except Exception as exc:
                name = getattr(receiver, "__qualname__", repr(receiver))
                log.exception(
                    "%s: receiver %s failed for %s", self.name, name, getattr(sender, "seq", sender)
                )
                if self.after_error is not None:
                    self.after_error()
                result = exc
            results.append((receiver, result))
        return results


def _roll_back() -> None:
    # A receiver that failed half-way may leave the session's transaction failed (PostgreSQL) or
    # holding its half-written rows: neither may reach the next receiver or the staff member's answer.
    db.session.rollback()


# sender: the committed webapp.models.Change; receivers run in the request's app context.
change_committed = RobustSignal("change-committed", after_error=_roll_back)
