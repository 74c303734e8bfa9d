"""Live changes: validate and apply, the change log, publish after commit, the Socket.IO protocol and handlers."""
