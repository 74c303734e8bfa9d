"""Talk to the server under test over HTTP: read the head seq, post staff changes."""

import http.client
import json
import time
from urllib.parse import urlsplit

HTTP_TIMEOUT = 15.0
ROOM = "kins-7f-auditorium"
STATUSES = ("full", "open")


class Http:
    """One keep-alive HTTP connection to the server under test."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        """Send one request; return (status, decoded JSON), once more on a fresh connection if it dropped."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, json.loads(response.read() or b"null")
            except (OSError, http.client.HTTPException) as exc:
                # Never reuse a connection that failed: start the next request on a fresh one.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
                retry = isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                )
                if attempt == 2 or not retry:
                    raise
        raise AssertionError("unreachable")

    def head_seq(self) -> int:
        """Return the seq the server is at (GET /api/changes?since=0)."""
        status, head = self.request("GET", "/api/changes?since=0")
        if status != 200:
            raise RuntimeError(f"GET /api/changes answered {status}: {head}")
        return head["seq"]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class ChangePoster:
    """Posts room_status changes that alternate full/open (a Node peer gets a copy of a real change)."""

    def __init__(self, http: Http, token: str | None, template: dict | None = None) -> None:
        self.http, self.token, self.template = http, token, template
        self.flip = 0
        self.rtts: list[float] = []

    def body(self, i: int) -> dict:
        """Return the body of the i-th change."""
        status = STATUSES[(i + self.flip) % 2]
        if self.template:
            body = {k: v for k, v in self.template.items() if k not in ("seq", "at")}
            body["after"] = {"status": status}
            return body
        return {"kind": "room_status", "room": ROOM, "status": status}

    def post(self, i: int) -> tuple[float, dict | str]:
        """Post the i-th change; return (time just before the POST, the change or an error text)."""
        for _attempt in (1, 2):  # a second time only if the room already had that status
            sent = time.time()
            try:
                status, change = self.http.request("POST", "/api/changes", self.body(i), self.token)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                return sent, f"{type(exc).__name__}: {exc}"
            self.rtts.append(time.time() - sent)
            if status != 400 or not isinstance(change, dict) or change.get("error") != "no_change":
                break
            self.flip += 1
        if status != 201:
            return sent, f"{status} {change}"
        return sent, change
