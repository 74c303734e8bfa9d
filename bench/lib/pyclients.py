"""The Python load generator: one spawned process, one asyncio loop, many python-socketio clients.

It speaks the same JSON messages over its Pipe as bench/fanout-client.mjs over stdin/stdout, so the
coordinator (bench/lib/fanout_run.py) drives either the same way.
"""

import contextlib
import time
from collections import Counter

from bench.lib.procstats import raise_nofile


def worker_main(index: int, conn, url: str, count: int, since: int, opts: dict) -> None:
    """Run count clients in this (spawned) process and talk to the coordinator over conn."""
    raise_nofile()
    import asyncio

    try:
        asyncio.run(_worker(index, conn, url, count, since, opts))
    except Exception as exc:  # report instead of dying silently; the coordinator bounds its waits anyway
        with contextlib.suppress(Exception):
            conn.send({"kind": "error", "worker": index, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


class _CountingHandler:
    """A logging handler that counts the client libraries' log records instead of printing them."""

    def __init__(self) -> None:
        import logging

        self.counts: Counter = Counter()
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.counts.update(
            [f"{record.levelname}: {record.getMessage()[:100]}"]
        )
        for name in ("engineio.client", "socketio.client"):
            library_logger = logging.getLogger(name)
            library_logger.addHandler(self.handler)
            library_logger.setLevel(logging.WARNING)
            library_logger.propagate = False


class ClientSet:
    """count python-socketio AsyncClients and what each of them received."""

    def __init__(self, count: int, url: str, since: int, opts: dict) -> None:
        import aiohttp

        self.count, self.url, self.since, self.opts = count, url, since, opts
        self.seqs: list[list] = [[] for _ in range(count)]
        self.times: list[list[float]] = [[] for _ in range(count)]
        self.synced: list = [None] * count
        self.clients: list = [None] * count
        self.other_events: Counter = Counter()
        self.disconnects: Counter = Counter()
        self.errors: Counter = Counter()
        self.durations: list[float] = []
        self.logs = _CountingHandler()
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    def make_client(self, i: int):
        """Return client i with handlers that record what it receives."""
        import logging

        import socketio

        client = socketio.AsyncClient(
            reconnection=False,
            http_session=self.session,
            logger=logging.getLogger("socketio.client"),
            engineio_logger=logging.getLogger("engineio.client"),
        )

        async def on_change(data):
            self.times[i].append(time.time())
            self.seqs[i].append(data.get("seq") if isinstance(data, dict) else None)

        async def on_synced(data):
            self.synced[i] = data.get("seq") if isinstance(data, dict) else -1

        async def on_disconnect(reason=None):
            self.disconnects[str(reason)] += 1

        async def on_other(event, *_args):
            self.other_events[event] += 1

        client.on("change", on_change)
        client.on("synced", on_synced)
        client.on("disconnect", on_disconnect)
        client.on("*", on_other)
        return client

    async def connect_one(self, i: int, gate) -> None:
        """Connect client i (at most the gate's number at once); record its time or its error."""
        import asyncio

        client = self.clients[i] = self.make_client(i)
        timeout = self.opts["connect_timeout"]
        async with gate:
            start = time.monotonic()
            try:
                await asyncio.wait_for(
                    client.connect(
                        self.url, transports=["websocket"], auth={"since": self.since}, wait_timeout=timeout
                    ),
                    timeout + 5,
                )
            except Exception as exc:
                self.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.disconnect(), 5)
                self.clients[i] = None
                return
            self.durations.append(time.monotonic() - start)

    async def connect_all(self) -> dict:
        """Connect every client within the connect phase; return the 'connected' message."""
        import asyncio

        gate = asyncio.Semaphore(self.opts["connect_concurrency"])
        start = time.time()
        tasks = [asyncio.ensure_future(self.connect_one(i, gate)) for i in range(self.count)]
        _done, pending = await asyncio.wait(tasks, timeout=self.opts["connect_phase_timeout"])
        for task in pending:
            task.cancel()
        if pending:
            self.errors["connect phase timed out"] += len(pending)
            await asyncio.gather(*pending, return_exceptions=True)
            for i, task in enumerate(tasks):
                if task in pending:
                    self.clients[i] = None
        ok = len(self.durations)
        return {
            "kind": "connected",
            "ok": ok,
            "failed": self.count - ok,
            "errors": dict(self.errors),
            "durations": self.durations,
            "start": start,
            "end": time.time(),
        }

    async def collect(self, wanted: set, grace: float) -> dict:
        """Wait (at most grace s) until every live client has every seq in wanted; return 'results'."""
        import asyncio

        live = [i for i in range(self.count) if self.clients[i] is not None]
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and not all(wanted.issubset(self.seqs[i]) for i in live):
            await asyncio.sleep(0.2)  # receive times are taken in on_change, not here
        return {
            "kind": "results",
            "seqs": [self.seqs[i] for i in live],
            "times": [self.times[i] for i in live],
            "synced": sum(1 for i in live if self.synced[i] is not None),
            "synced_wrong": sum(1 for i in live if self.synced[i] not in (None, self.since)),
            "still_connected": sum(1 for i in live if self.clients[i].connected),
            "disconnects": dict(self.disconnects),
            "client_logs": dict(self.logs.counts),
            "other_events": dict(self.other_events),
        }

    async def close(self, timeout: float) -> None:
        """Disconnect every client and close the HTTP session (bounded)."""
        import asyncio

        live = [c for c in self.clients if c is not None]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*(c.disconnect() for c in live), return_exceptions=True), timeout
            )
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.session.close(), 5)


async def _next_message(conn, timeout: float):
    """Return the coordinator's next message, or None after timeout seconds."""
    import asyncio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if conn.poll():
            return conn.recv()
        await asyncio.sleep(0.05)
    return None


async def _worker(index: int, conn, url: str, count: int, since: int, opts: dict) -> None:
    clients = ClientSet(count, url, since, opts)
    try:
        conn.send({**await clients.connect_all(), "worker": index})
        message = await _next_message(conn, opts["hold_timeout"])
        if message and message.get("kind") == "collect":
            results = await clients.collect(set(message["seqs"]), message["grace"])
            conn.send({**results, "worker": index})
    finally:
        await clients.close(opts["teardown_timeout"])
