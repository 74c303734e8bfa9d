"""Render a page once per (data version, seq, language, minute, query), not once per request.

A page changes only when the event files, the change log, the language or the minute changes. The seq is
read before anything else, and the page is rendered with that seq (`page_seq`), so a page never claims a
seq newer than the data it shows: a change committed while it renders is sent again by the socket's
catch-up, and applying a change twice is harmless. A thousand phones opening the map at once wait for one
render, not a thousand. Bodies are kept compressed (brotli, gzip: each the first time a request accepts it,
so a search page asked once by a phone is compressed once, not twice) with an ETag; when the database is away
the last rendering of the same page is served, so pages keep their last data.

    @bp.get("/")
    @cached_page
    def index(): ...

What does not depend on the clock (the exports) is kept until the data changes: `@cached_page(minute=False)`.
"""

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial, wraps

import brotli
import sqlalchemy as sa
from flask import Flask, Response, current_app, g, make_response, request

from webapp.live.log import head_seq
from webapp.live.signals import change_committed
from webapp.web.context import current_event, page_lang

log = logging.getLogger(__name__)
MAX_PAGES = 512
WAIT_FOR_RENDER = 10.0
# Headers made for each answer, not kept with the page (Content-Type comes from mimetype).
# How long a read of the log's head serves other requests. A page then claims a seq up to this old, never
# newer than its data, and its socket's catch-up brings it the rest at once.
SEQ_TTL = 0.5
PER_RESPONSE = {"content-length", "content-encoding", "content-type", "etag", "vary", "set-cookie"}
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: brotli.compress(body, quality=5),
    "gzip": lambda body: gzip.compress(body, 6, mtime=0),
}


@dataclass(frozen=True)
class Page:
    """One rendered page: its bodies by content encoding (None: as rendered), its type and its ETag."""

    bodies: dict[str | None, bytes]
    mimetype: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()
    # The script nonce this rendering carries: its answers send the same one in their CSP header. An
    # injected script cannot learn it in time: any new text makes a new rendering with a new nonce.
    nonce: str | None = None

    @classmethod
    def of(cls, response: Response) -> "Page":
        """Keep a rendered response's body (compressed when first asked for in an encoding)."""
        body = response.get_data()
        bodies = {None: body}
        kept = tuple((k, v) for k, v in response.headers.items() if k.lower() not in PER_RESPONSE)
        return cls(bodies, response.mimetype, hashlib.sha256(body).hexdigest()[:20], kept, g.get("csp_nonce"))

    def body(self, encoding: str | None) -> bytes:
        """Return the body in encoding, compressing it the first time (two requests at once may both do)."""
        body = self.bodies.get(encoding)
        if body is None:
            body = self.bodies[encoding] = COMPRESS[encoding](self.bodies[None])
        return body

    def response(self) -> Response:
        """Answer this request with the best encoding it accepts, and 304 when it has this page."""
        encoding = next((e for e in ("br", "gzip") if e in request.accept_encodings), None)
        if self.nonce:
            g.csp_nonce = self.nonce  # the CSP header (web/headers.py) names the nonce in this body
        response = Response(self.body(encoding), mimetype=self.mimetype, headers=list(self.headers))
        if encoding:
            response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves it as it is
        response.vary.add("Accept-Encoding")
        response.set_etag(f"{self.etag}-{encoding or 'identity'}")
        return response.make_conditional(request)


class PageCache:
    """The pages of one process, least recently used dropped first, one render per key at a time."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.last: OrderedDict[tuple, Page] = OrderedDict()  # by page only: for when the database is away
        self.rendering: dict[tuple, threading.Event] = {}

    def get(self, key: tuple) -> Page | None:
        """Return the page for key, or None."""
        page = self.pages.get(key)
        if page is not None:
            self.pages.move_to_end(key)
        return page

    def put(self, key: tuple, base: tuple, page: Page) -> None:
        """Keep page under key, and as the latest rendering of base."""
        for store, k in ((self.pages, key), (self.last, base)):
            store[k] = page
            store.move_to_end(k)
            while len(store) > self.size:
                store.popitem(last=False)

    def render(self, key: tuple, base: tuple, render) -> Response | Page:
        """Return the cached page, or render it once while other requests for it wait."""
        page = self.get(key)
        if page is not None:
            return page
        waiting = self.rendering.get(key)
        if waiting is not None and waiting.wait(WAIT_FOR_RENDER) and (page := self.get(key)):
            return page
        self.rendering[key] = done = threading.Event()
        try:
            response = make_response(render())
            if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
                return response
            page = Page.of(response)
            self.put(key, base, page)
            return page
        finally:
            self.rendering.pop(key, None)
            done.set()


def _cache() -> PageCache:
    cache = current_app.extensions.get("page_cache")
    if cache is None:  # made once per app, not once per request as setdefault's argument would be
        cache = current_app.extensions["page_cache"] = PageCache()
    return cache


# Called with the new seq whenever this process reads the log's head and finds it moved (or reads it first).
_head_listeners: list[Callable[[int], None]] = []


def on_head_moved(listener: Callable[[int], None]) -> None:
    """Call listener(seq) each time a read of the log's head finds it moved, before anything renders with it.

    A feature whose data the log's changes can replace (webapp/program/eventstore.py) reads it here, so a
    page is never rendered at a seq with older data than that seq stands for.
    """
    if listener not in _head_listeners:
        _head_listeners.append(listener)


def recent_head_seq() -> int:
    """Return the log's head as read at most SEQ_TTL seconds ago (one query per process, not per page)."""
    now = time.monotonic()
    read = current_app.extensions.get("page_head")
    if read is None or now - read[1] > SEQ_TTL:
        seq = head_seq()
        moved = read is None or read[0] != seq
        current_app.extensions["page_head"] = (seq, now)
        if moved:
            for listener in _head_listeners:
                listener(seq)
        return seq
    return read[0]


def _forget_head(change) -> None:
    """Read the head again after a change this process committed: its own pages show it at once."""
    current_app.extensions.pop("page_head", None)


def init_app(app: Flask) -> None:
    """Read the head again after each change this process commits (blinker keeps one connection for all apps)."""
    change_committed.connect(_forget_head)


def _base_key(view_args: dict) -> tuple:
    args = tuple(sorted(request.args.items(multi=True)))
    # The host too: exports and feeds carry absolute addresses built from it.
    return (request.endpoint, tuple(sorted(view_args.items())), page_lang(), args, request.host_url)


def cached_page(view=None, *, minute: bool = True):
    """Serve the view's page from the cache while data version, seq, language, query (and minute) match."""
    if view is None:
        return partial(cached_page, minute=minute)

    @wraps(view)
    def wrapper(*args, **kwargs):
        base = _base_key(kwargs)
        try:
            seq = recent_head_seq()  # first: the page is rendered from data at least this new
        except sa.exc.DBAPIError:
            last = _cache().last.get(base)
            if last is None:
                raise
            log.warning("database away: serving the last rendering of %s", request.full_path)
            return last.response()
        g.page_seq = seq
        moment = datetime.now(UTC).replace(second=0, microsecond=0) if minute else None
        key = (current_event().version, seq, moment, *base)
        result = _cache().render(key, base, lambda: view(*args, **kwargs))
        return result.response() if isinstance(result, Page) else result

    return wrapper


def page_seq() -> int:
    """Return the seq this page is rendered at: the one read first, else the log's head now."""
    return g.page_seq if "page_seq" in g else head_seq()
