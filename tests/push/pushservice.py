"""A push service on 127.0.0.1 for tests: it checks VAPID (RFC 8292) and decrypts (RFC 8291) what it gets."""

import base64
import json
import os
import ssl
import tempfile
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(raw: bytes) -> str:
    """Encode base64url without padding, as browsers do."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Browser:
    """One subscribing browser: its P-256 key pair and auth secret, as PushManager makes them."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict:
        """Return what PushSubscription.toJSON() gives for this browser."""
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        """Decrypt an aes128gcm message (RFC 8188/8291) with this browser's keys; return its JSON."""
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


def verify_vapid(header: str, public_key: str) -> dict:
    """Check an RFC 8292 'vapid t=<JWT>,k=<key>' header against the app's public key; return the claims."""
    scheme, _, params = header.partition(" ")
    assert scheme == "vapid", header
    parts = dict(item.split("=", 1) for item in params.split(","))
    assert parts["k"] == public_key, "the header names another key than the app's"
    head_b64, claims_b64, sig_b64 = parts["t"].split(".")
    assert json.loads(b64url_decode(head_b64)) == {"typ": "JWT", "alg": "ES256"}
    sig = b64url_decode(sig_b64)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key))
    key.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises when forged
    return json.loads(b64url_decode(claims_b64))


@dataclass
class Received:
    """One request the push service got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    connection: tuple  # the client's (address, port): one per TCP connection


def tls_contexts(host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Return (server, client) TLS contexts for host: a self-signed certificate the client trusts alone."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


class PushService:
    """Answers 201 unless told otherwise per path; records everything; can hold requests until released.

    tls_host: serve https for that host name (on 127.0.0.1; a test resolver points the name here), with
    a certificate only `client_tls` trusts.
    """

    def __init__(self, tls_host: str | None = None, delay: float = 0.0) -> None:
        self.delay = delay
        self.received: list[Received] = []
        self.replies: dict[str, deque] = defaultdict(deque)
        self.hold = threading.Event()
        self.hold.set()
        self.got_request = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as push services do

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.received.append(Received(self.path, headers, body, time.time(), self.client_address))
                service.got_request.set()
                service.hold.wait(30)
                time.sleep(service.delay)
                status, headers = service.next_reply(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.client_tls = None
        if tls_host:
            server_tls, self.client_tls = tls_contexts(tls_host)
            self.server.socket = server_tls.wrap_socket(self.server.socket, server_side=True)
            self.origin = f"https://{tls_host}"
        # Polled every 50 ms, not 0.5 s: shutdown() waits for the next poll, half a second a test otherwise.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def next_reply(self, path: str) -> tuple[int, dict]:
        """Return the next queued (status, headers) for path, or 201 Created."""
        queue = self.replies[path]
        return queue.popleft() if queue else (201, {"Location": f"{self.origin}/m/1"})

    def reply(self, path: str, *replies: int | tuple[int, dict]) -> None:
        """Queue answers for path, in order: a status, or (status, headers)."""
        for item in replies:
            self.replies[path].append(item if isinstance(item, tuple) else (item, {}))

    def browser(self, name: str) -> Browser:
        """Return a new subscribing browser whose endpoint is on this service."""
        return Browser(f"{self.origin}/push/{name}")

    def to(self, browser: Browser) -> list[Received]:
        """Return the requests that went to browser's endpoint."""
        path = browser.endpoint.removeprefix(self.origin)
        return [r for r in self.received if r.path == path]

    def __enter__(self) -> "PushService":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
