"""Security headers on every response."""

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
