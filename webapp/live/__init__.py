"""Live changes: validate and apply, the change log, publish after commit, the Socket.IO protocol and handlers;
transport.py is the one module that reaches into the Socket.IO libraries' internals, checked at start-up."""
