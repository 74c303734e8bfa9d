"""Every answer carries the security headers."""

import pytest

from webapp import StartupError, create_app
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


def policy_of(response) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in response.headers["Content-Security-Policy"].split("; ")}


@pytest.mark.parametrize("url", ["/", "/schedule", "/api/venues", "/login", "/nope"])
def test_every_answer_has_a_policy_without_inline_scripts(client, url):
    policy = policy_of(client.get(url))
    assert "'unsafe-inline'" not in policy["script-src"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["base-uri"] == ["'none'"]


def test_the_map_script_carries_the_nonce_of_its_response(client):
    response = client.get("/")
    nonce = next(s for s in policy_of(response)["script-src"] if s.startswith("'nonce-"))[7:-1]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    # The same cached rendering answers with its own nonce again; a new rendering gets a new one.
    again = client.get("/")
    assert f"'nonce-{nonce}'" in again.headers["Content-Security-Policy"]
    assert f'<script nonce="{nonce}">' in again.get_data(as_text=True)
    assert nonce not in client.get("/?lang=en").headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("tiles", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png", "https://*.tiles.example.org:8443"),
        ("/tiles/{z}/{x}/{y}.png", "'self'"),
        # Protocol-relative: the page's own scheme (a host-source without one matches it).
        ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),
    ],
)
def test_images_may_come_from_the_tile_server(make_app, tiles, source):
    response = make_app(TILES_URL=tiles).test_client().get("/")
    assert policy_of(response)["img-src"] == ["'self'", "data:", source]


def test_over_tls_hsts_is_sent_and_the_session_cookie_is_secure(client):
    response = client.get("/login", base_url="https://live.example.org")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_plain_http_there_is_no_hsts_and_no_secure_flag(client):
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_behind_a_trusted_proxy_tls_is_read_from_x_forwarded_proto(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert (
        "Strict-Transport-Security"
        not in make_app().test_client().get("/", headers={"X-Forwarded-Proto": "https"}).headers
    )


def test_a_bad_trusted_proxies_setting_stops_start_up_with_one_sentence(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "yes")
    with pytest.raises(StartupError, match="TRUSTED_PROXIES must be a number of proxies"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
