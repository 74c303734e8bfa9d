"""Configuration read from the environment, with safe defaults for one machine."""

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from webapp.keptfiles import kept_secret

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def _secret_key() -> str:
    """Return SECRET_KEY, or a random key kept under var/ so there is never a usable default."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Owner-only: the key signs every session cookie.
    made = kept_secret(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(48).encode())
    return made.decode().strip()


def database_url(value: str | None) -> str:
    """Return DATABASE_URL, a relative SQLite file taken from the project root (as var/venue-live.db is).

    Flask-SQLAlchemy would put a relative file under the app's instance folder, which nobody expects:
    `DATABASE_URL=sqlite:///var/my-event.db` means the project's var/ in the README and here.
    """
    if not value:
        return f"sqlite:///{VAR_DIR / 'venue-live.db'}"
    url = make_url(value)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return value
    if Path(database).is_absolute():
        return value
    path = ROOT / database
    if path.parent == VAR_DIR:
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # the app's own folder: made as for the default database
    return url.set(database=str(path)).render_as_string(hide_password=False)


def _origins(value: str | None) -> list[str]:
    """Return the origins in a comma- or space-separated list, as browsers send them (no trailing /)."""
    return [origin.rstrip("/") for origin in (value or "").replace(",", " ").split()]


def _proxy_count(value: str | None) -> int:
    """Return how many proxies in front of the app to trust (TRUSTED_PROXIES), 0 when unset."""
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"TRUSTED_PROXIES must be a number of proxies (0, 1, 2...), not {value!r}.")
    return int(value)


def _directions_apps(value: str) -> list[str] | None:
    apps = [a.strip() for a in value.split(",") if a.strip()]
    unknown = [a for a in apps if a not in ("kakao", "naver", "google", "osm", "apple")]
    if unknown:
        raise ValueError(
            f"DIRECTIONS_APPS: '{unknown[0]}' is not one of kakao, naver, google, osm, apple (comma-separated)."
        )
    return apps or None


def _port(value: str | None) -> int:
    if not value:
        return 5000
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"PORT must be a TCP port (1 to 65535), not {value!r}.")
    return int(value)


class Config:
    """Settings for one deployment; every value can be set through the environment."""

    def __init__(self) -> None:
        env = os.environ.get
        # Where serve.py (`make run`) listens, and the address `flask staff link` falls back to.
        self.HOST = env("HOST") or "127.0.0.1"
        self.PORT = _port(env("PORT"))
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = database_url(env("DATABASE_URL"))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.VENUES_FILE = env("VENUES_FILE") or str(ROOT / "venues.geojson")
        self.PROGRAM_FILE = env("PROGRAM_FILE") or str(ROOT / "program.json")
        self.EVENT_NOW = env("EVENT_NOW") or None
        self.SOCKETIO_MESSAGE_QUEUE = env("SOCKETIO_MESSAGE_QUEUE") or None
        # Every process of one deployment must use the same channel on the message queue.
        self.SOCKETIO_CHANNEL = env("SOCKETIO_CHANNEL") or "venue-live"
        self.SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE") or "threading"
        self.TILES_URL = env("TILES_URL") or OSM_TILES
        self.TILES_ATTRIBUTION = env("TILES_ATTRIBUTION") or OSM_ATTRIBUTION
        # 1: serve.py logs every request.
        self.ACCESS_LOG = env("ACCESS_LOG") == "1"
        # Maps apps for directions, e.g. "osm,google,apple" (kakao, naver, google, osm, apple); unset: by
        # the event's data, else by the venues' country.
        self.DIRECTIONS_APPS = _directions_apps(env("DIRECTIONS_APPS", ""))
        self.NODE_MODULES = env("NODE_MODULES") or str(ROOT / "node_modules")
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI") or "memory://"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", "0") == "1"
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        # Files are served pre-compressed by webapp.web.assets; Flask-Compress handles pages and JSON only.
        self.COMPRESS_STREAMS = False
        self.COMPRESS_MIMETYPES = [
            "text/html", "text/css", "text/plain", "text/csv", "text/calendar", "application/json",
            "application/geo+json", "application/xml", "application/vnd.c3voc.schedule+xml", "image/svg+xml",
        ]  # fmt: skip
        self.COMPRESS_MIN_SIZE = 500
        self.SEND_FILE_MAX_AGE_DEFAULT = 3600
        self.JSON_SORT_KEYS = False
        # Every request body is read into memory: refuse anything larger (413) before it is read.
        self.MAX_CONTENT_LENGTH = int(env("MAX_CONTENT_LENGTH") or 64 * 1024)
        # Behind nginx: how many proxies' X-Forwarded-For/-Proto/-Host to believe (werkzeug ProxyFix).
        # 0 (the default) believes none: a client could otherwise pick its own address for the rate limits.
        self.TRUSTED_PROXIES = _proxy_count(env("TRUSTED_PROXIES"))
        # Pages on other origins allowed to open a socket, besides the app's own (e.g. a kiosk's wrapper).
        self.SOCKETIO_ALLOWED_ORIGINS = _origins(env("SOCKETIO_ALLOWED_ORIGINS"))
        # Follow a published schedule (webapp.sources.follow): its URL or file, how often, its rooms map.
        self.SCHEDULE_SOURCE = env("SCHEDULE_SOURCE") or None
        self.SCHEDULE_POLL_SECONDS = env("SCHEDULE_POLL_SECONDS") or "60"
        self.SCHEDULE_ROOMS = env("SCHEDULE_ROOMS") or None
        # Web Push (webapp/push): keys from the environment, else generated once into VAPID_KEY_FILE.
        self.VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY") or None
        self.VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY") or None
        self.VAPID_SUBJECT = env("VAPID_SUBJECT") or "mailto:webmaster@localhost"
        self.VAPID_KEY_FILE = env("VAPID_KEY_FILE") or str(VAR_DIR / "vapid_private_key.pem")
        self.PUSH_DEBOUNCE_SECONDS = float(env("PUSH_DEBOUNCE_SECONDS") or 60)
        # 1: serve.py starts the push sender process (and stops it); 0: run `flask push sender` yourself.
        self.PUSH_WORKER = env("PUSH_WORKER", "1") == "1"
        self.PUSH_ENCRYPTORS = int(env("PUSH_ENCRYPTORS") or 0)  # encryptor processes; 0: one per core
        self.PUSH_SENDER_NICE = int(env("PUSH_SENDER_NICE") or 10)  # below the web processes
        self.PUSH_SUBSCRIPTIONS_PER_DAY = int(
            env("PUSH_SUBSCRIPTIONS_PER_DAY") or 2000
        )  # new ones, per address
        self.PUSH_CLAIM_BATCH = int(env("PUSH_CLAIM_BATCH") or 10)  # notices a sender claims at once
        self.PUSH_TIMEOUT_SECONDS = float(env("PUSH_TIMEOUT_SECONDS") or 10)  # one push service request
        # The first retry's delay after a push service failed; each later retry waits longer.
        self.PUSH_BACKOFF_SECONDS = float(env("PUSH_BACKOFF_SECONDS") or 1.0)
        # Tests and the bench only: endpoints on http://127.0.0.1, and the sender may connect to loopback.
        self.PUSH_ALLOW_LOCAL_ENDPOINTS = env("PUSH_ALLOW_LOCAL_ENDPOINTS") == "1"
        hosts = env("PUSH_SERVICE_HOSTS")  # comma-separated; unset: the browsers' own push services
        self.PUSH_SERVICE_HOSTS = (
            tuple(h.strip().lower() for h in hosts.split(",") if h.strip()) if hosts else None
        )
        # Scale-out: seconds between reads of the log's head, so a change the queue lost still arrives.
        self.SOCKETIO_HEARTBEAT = float(env("SOCKETIO_HEARTBEAT") or 1.0)
        # The largest Socket.IO message a client may send (engine.io's max_http_buffer_size): a page
        # sends only {since}, so anything near this is hostile; engine.io's default is 1 MB.
        self.SOCKETIO_MAX_MESSAGE = int(env("SOCKETIO_MAX_MESSAGE") or 16 * 1024)
        # Socket.IO's heartbeat, in seconds (engine.io's defaults): a client that answers no ping for
        # PING_INTERVAL + PING_TIMEOUT is gone, and its connection is reset (webapp/live/outbox.py).
        self.SOCKETIO_PING_INTERVAL = float(env("SOCKETIO_PING_INTERVAL") or 25)
        self.SOCKETIO_PING_TIMEOUT = float(env("SOCKETIO_PING_TIMEOUT") or 20)
        # The most the server holds for one client to send, in bytes, before it cuts the client off
        # (webapp/live/outbox.py; a page reconnects and is sent what it missed). Sent at once, 300 of the
        # longest announcements hold 1.3 MB, a release re-timing 1,000 sessions about 1.1 MB.
        self.SOCKETIO_MAX_QUEUED = int(env("SOCKETIO_MAX_QUEUED") or 8 * 1024 * 1024)
        # Database connections per process (SQLAlchemy's default is 5, plus 10 overflow).
        if env("DATABASE_POOL_SIZE"):
            self.SQLALCHEMY_ENGINE_OPTIONS["pool_size"] = int(env("DATABASE_POOL_SIZE"))
