"""What a browser may do with this site: security headers on every response; who may open a socket."""

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface

HEADERS = {
    # Browsers must not guess a type: a text answer is never run as a script.
    "X-Content-Type-Options": "nosniff",
    # Links to streams and map apps do not learn which page they came from, beyond this site.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # Pages may be framed by this site only (a room screen inside another site's frame is refused).
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}
# Two years; no includeSubDomains: other hosts of a venue's domain are not ours to force onto TLS.
HSTS = "max-age=63072000"


def tile_origin(tiles_url: str) -> str:
    """Return the CSP source for a tile URL template: its origin ({s} subdomains as *), or 'self'."""
    parts = urlsplit(tiles_url.replace("{s}", "subdomain-placeholder"))
    if not parts.netloc:
        return "'self'"
    host = parts.netloc.replace("subdomain-placeholder", "*")
    # A protocol-relative URL (//host/...) loads with the page's scheme, as a host-source without one does.
    return f"{parts.scheme}://{host}" if parts.scheme else host


def csp_nonce() -> str:
    """Return this response's script nonce (one per request, made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str | None, tiles: str) -> str:
    """Return the Content-Security-Policy: scripts only from this site or with this response's nonce."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Style attributes (style="--track: ...") and the API page's <style> are inline; CSS runs no code.
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {tiles}",
            "connect-src 'self'",
            # The live page's player (static/js/watch.js), embedded only when someone asks for it.
            "frame-src https://www.youtube-nocookie.com",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie marked Secure whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    tiles = tile_origin(current_app.config["TILES_URL"])
    response.headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce"), tiles))
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response and the nonce to templates; Secure cookies over TLS."""
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.session_interface = SessionCookies()


def socket_origin_check(allowed: list[str]) -> Callable[[str, dict], bool]:
    """Return engine.io's Origin check: the app's own origin, or one of the allowed ones."""
    extra = set(allowed)

    def allow(origin: str, environ: dict) -> bool:
        # HTTP_HOST and the scheme are the client's own once ProxyFix (TRUSTED_PROXIES) has run; an
        # untrusted X-Forwarded-Host is never read, unlike engine.io's default (base_server.py:291).
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in extra

    return allow
