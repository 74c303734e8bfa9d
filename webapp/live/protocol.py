"""Socket.IO event names, in one place.

Server -> client: CHANGE (one change, with its seq), CHANGES ({changes: [...]}: a catch-up's changes
in seq order, in one message, to a client that connected with auth {batch: true}), SNAPSHOT (the whole
changeable state, for a client too far behind), SYNCED (the seq the server is at, after a catch-up).
Client -> server: SYNC ({since}: a client that saw a gap asks for what it missed).
"""

CHANGE = "change"
CHANGES = "changes"
SNAPSHOT = "snapshot"
SYNCED = "synced"
SYNC = "sync"
# A client further behind than this gets a snapshot instead of a replay.
REPLAY_LIMIT = 500
