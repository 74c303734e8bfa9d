"""Raw websocket clients (Engine.IO 4 / Socket.IO 5, no library) to count a server's descriptors.

    .venv/bin/python -m tests.cluster.wsclients --port 5000 --pid SERVER_PID -n 10000

opens n websockets, counts /proc/PID/fd, closes each with a Close frame, and measures how long the
server takes to answer every Close and end every connection. Bounded: it stops after --timeout seconds.
"""

import argparse
import base64
import os
import socket
import struct
import time
from dataclasses import dataclass

HANDSHAKE = (
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
CLOSE_NORMAL = struct.pack(">H", 1000)


def frame(opcode: int, payload: bytes) -> bytes:
    """Return one masked client frame (FIN set) with opcode and payload."""
    mask = os.urandom(4)
    size = len(payload)
    head = bytes([0x80 | opcode])
    head += bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + struct.pack(">H", size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def open_websocket(port: int, timeout: float = 10.0) -> socket.socket:
    """Open a websocket to /socket.io/ and join the default namespace; return the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(HANDSHAKE.format(key=base64.b64encode(os.urandom(16)).decode()).encode())
    answer = b""
    while b'"sid"' not in answer:  # the 101 answer, then Engine.IO's open packet
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"the server closed the connection during the handshake: {answer!r}")
        answer += chunk
    if not answer.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"no websocket: {answer[:80]!r}")
    sock.sendall(frame(1, b"40"))
    return sock


def close_websocket(sock: socket.socket) -> tuple[bytes, float]:
    """Send a Close frame; return what the server sent until it ended the connection, and how long it took."""
    start = time.monotonic()
    sock.sendall(frame(8, CLOSE_NORMAL))
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    elapsed = time.monotonic() - start
    sock.close()
    return received, elapsed


def descriptors(pid: int) -> int:
    """Return how many file descriptors process pid holds."""
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Count:
    """What opening and closing n websockets did to a server's descriptors."""

    n: int
    idle: int
    open: int
    after: int
    close_seconds: float

    def __str__(self) -> str:
        return (
            f"{self.n} websockets: {self.idle} descriptors idle, {self.open} open "
            f"({(self.open - self.idle) / self.n:.2f} per websocket), {self.after} after closing; "
            f"every Close answered and connection ended in {self.close_seconds * 1000:.0f} ms"
        )


def count(port: int, pid: int, n: int, settle: float = 1.0) -> Count:
    """Open n websockets to the server on port (process pid), count its descriptors, close them all."""
    idle = descriptors(pid)
    socks = [open_websocket(port) for _ in range(n)]
    try:
        time.sleep(settle)
        opened = descriptors(pid)
        start = time.monotonic()
        for sock in socks:
            sock.sendall(frame(8, CLOSE_NORMAL))
        for sock in socks:
            while sock.recv(65536):
                pass
        elapsed = time.monotonic() - start
    finally:
        for sock in socks:
            sock.close()
    deadline = time.monotonic() + 10
    while descriptors(pid) > idle and time.monotonic() < deadline:
        time.sleep(0.1)
    return Count(n, idle, opened, descriptors(pid), elapsed)


def main() -> None:
    """Count a running server's descriptors with n raw websockets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the process that holds the websockets")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    socket.setdefaulttimeout(args.timeout)
    print(count(args.port, args.pid, args.n))


if __name__ == "__main__":
    main()
