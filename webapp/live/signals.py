"""Signals other features subscribe to: `change_committed` is sent by publish() after every commit."""

from blinker import Namespace

signals = Namespace()
# sender: the committed webapp.models.Change; receivers run in the request's app context.
change_committed = signals.signal("change-committed")
