"""Every answer carries the security headers."""

import pytest

from webapp.web.headers import HEADERS


@pytest.mark.parametrize("url", ["/", "/api/venues", "/static/css/app.css", "/nope", "/login"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    for name, value in HEADERS.items():
        assert response.headers[name] == value
