"""What a browser may do with this site: security headers on every response; who may open a socket."""

from collections.abc import Callable

from flask import Flask, Response

HEADERS = {
    # Browsers must not guess a type: a text answer is never run as a script.
    "X-Content-Type-Options": "nosniff",
    # Links to streams and map apps do not learn which page they came from, beyond this site.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # Pages may be framed by this site only (a room screen inside another site's frame is refused).
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_add_headers)


def socket_origin_check(allowed: list[str]) -> Callable[[str, dict], bool]:
    """Return engine.io's Origin check: the app's own origin, or one of the allowed ones."""
    extra = set(allowed)

    def allow(origin: str, environ: dict) -> bool:
        # HTTP_HOST and the scheme are the client's own once ProxyFix (TRUSTED_PROXIES) has run; an
        # untrusted X-Forwarded-Host is never read, unlike engine.io's default (base_server.py:291).
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in extra

    return allow
