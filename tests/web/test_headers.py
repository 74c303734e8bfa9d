"""Every answer carries the security headers."""

import pytest

from webapp.web.headers import HEADERS, socket_origin_check


@pytest.mark.parametrize("url", ["/", "/api/venues", "/static/css/app.css", "/nope", "/login"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_socket_origin_check_accepts_own_and_listed_origins_only():
    allow = socket_origin_check(["https://kiosk.example"])
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "live.example.org"}
    assert allow("https://live.example.org", environ) and allow("https://kiosk.example", environ)
    assert not allow("http://live.example.org", environ)  # another scheme is another origin
    assert not allow("https://evil.example", {**environ, "HTTP_X_FORWARDED_HOST": "evil.example"})
