"""POST/DELETE /push/subscriptions: JSON from this site's own pages (Origin), strictly bounded."""

import json

import pytest

from tests.push.pushservice import Browser, b64url
from webapp.extensions import db
from webapp.push.models import PushSubscription
from webapp.push.schemas import MAX_ENDPOINT

URL = "/push/subscriptions"


ORIGIN = {"Origin": "http://localhost"}  # what a browser sends from the test client's host


@pytest.fixture
def guarded_app(make_app):
    """The app with CSRF on, as in production, accepting 127.0.0.1 endpoints."""
    return make_app(
        PUSH_ALLOW_LOCAL_ENDPOINTS=True, PUSH_SERVICE_HOSTS=("fcm.googleapis.com", "push.example.net")
    )


@pytest.fixture
def page_client(guarded_app):
    """A client for the app (its requests carry the Origin a browser adds when the test says so)."""
    return guarded_app.test_client()


def body(sessions=("medical-data-platform",), lang="en", endpoint="https://push.example.net/send/abc"):
    return {"subscription": Browser(endpoint).subscription(), "sessions": list(sessions), "lang": lang}


def post(client, data, **headers):
    return client.post(URL, json=data, headers={**ORIGIN, **headers})


def test_agenda_page_offers_the_button_with_the_apps_public_key(guarded_app, page_client):
    page = page_client.get("/agenda?lang=en").get_data(as_text=True)
    assert "Notify me of changes" in page
    assert f'data-key="{guarded_app.extensions["vapid"].public_key}"' in page


def test_subscribe_stores_sessions_and_language_then_update_replaces_them(guarded_app, page_client):
    first = body()
    assert post(page_client, first).status_code == 201
    first["sessions"] = ["medical-data-platform", "dentistry-keynote"]  # one more star
    assert post(page_client, first).get_json()["sessions"] == ["medical-data-platform", "dentistry-keynote"]
    first["sessions"], first["lang"] = ["dentistry-keynote", "gmp-audit"], "ko"
    answer = post(page_client, first)
    assert answer.status_code == 200
    assert answer.get_json() == {"sessions": ["dentistry-keynote", "gmp-audit"], "lang": "ko"}
    with guarded_app.app_context():
        [sub] = db.session.query(PushSubscription).all()
        assert sorted(t.session_id for t in sub.topics) == ["dentistry-keynote", "gmp-audit"]


def test_delete_stops_the_subscription(guarded_app, page_client):
    data = body()
    post(page_client, data)
    endpoint = data["subscription"]["endpoint"]
    answer = page_client.delete(URL, json={"endpoint": endpoint}, headers=ORIGIN)
    assert answer.status_code == 204
    again = page_client.delete(URL, json={"endpoint": endpoint}, headers=ORIGIN)
    assert again.status_code == 404
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


def test_request_without_an_origin_is_refused(page_client):
    answer = page_client.post(URL, json=body())
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "cross_origin"


def test_form_post_is_refused(page_client):
    answer = page_client.post(URL, data={"subscription": "x"}, headers=ORIGIN)
    assert answer.status_code == 415


def test_agenda_page_sets_no_cookie(page_client):
    # The service worker caches pages that vary on Cookie: the button must not create a session.
    assert "Set-Cookie" not in page_client.get("/agenda").headers


def test_request_from_another_origin_is_refused(page_client):
    answer = post(page_client, body(), Origin="https://evil.example")
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "cross_origin"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["subscription"].update(endpoint="http://push.example.net/x"), "endpoint"),
        (lambda d: d["subscription"].update(endpoint="https://x/" + "a" * 1000), "endpoint"),
        (lambda d: d["subscription"].update(endpoint="https://10.0.0.1/admin"), "known push service"),
        (
            lambda d: d["subscription"].update(endpoint="https://evil-push.example.net.attacker.org/x"),
            "known",
        ),
        (lambda d: d["subscription"]["keys"].update(p256dh="AAAA"), "p256dh"),
        (lambda d: d["subscription"]["keys"].update(auth="not base64!"), "auth"),
        (lambda d: d.update(sessions=["medical-data-platform"] * 101), "sessions"),
        (lambda d: d.update(sessions=["<script>"]), "sessions"),
        (lambda d: d.update(sessions=["no-such-session"]), "no-such-session"),
        (lambda d: d.update(lang="fr"), "lang"),
        (lambda d: d.pop("subscription"), "subscription"),
    ],
)
def test_bad_subscription_is_refused_with_a_reason(guarded_app, page_client, change, field):
    data = body()
    change(data)
    answer = post(page_client, data)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid"
    assert field in answer.get_json()["message"]
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


def test_local_http_endpoint_needs_the_test_setting(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    answer = app.test_client().post(URL, json=body(endpoint="http://127.0.0.1:9/push/x"), headers=ORIGIN)
    assert answer.status_code == 400
    assert "https" in answer.get_json()["message"]


def test_browsers_push_services_are_accepted_by_default(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    for endpoint in ("https://fcm.googleapis.com/fcm/send/abc", "https://web.push.apple.com/QG9",
                     "https://updates.push.services.mozilla.com/wpush/v2/x"):  # fmt: skip
        assert client.post(URL, json=body(endpoint=endpoint), headers=ORIGIN).status_code == 201
    assert (
        client.post(URL, json=body(endpoint="https://push.example.net/x"), headers=ORIGIN).status_code == 400
    )


def _subscription_with(endpoint: str) -> str:
    """A subscription body whose endpoint is sent as written (json.dumps would not keep a lone surrogate)."""
    data = body()
    data["subscription"]["endpoint"] = "ENDPOINT"
    return json.dumps(data).replace('"ENDPOINT"', endpoint)


# Each was a 500 before (fuzzing found them): UnicodeEncodeError storing or looking up the endpoint,
# urlsplit's ValueError, RecursionError parsing the body, and PostgreSQL refusing NUL in text.
HOSTILE_ENDPOINTS = [  # (endpoint as JSON, what DELETE answers: 400 not a URL's text, 404 no such one)
    ('"https://push.example.net/\\ud800"', 400),
    ('"https://push.example.net/\\u0000"', 400),
    ('"https://push.example.net/a b"', 400),
    ('"https://[::1/x"', 404),
    ('"https://push.example.net:99999/x"', 404),
]


@pytest.mark.parametrize(("endpoint", "delete_status"), HOSTILE_ENDPOINTS)
def test_hostile_endpoints_are_refused(guarded_app, page_client, endpoint, delete_status):
    headers = {**ORIGIN, "Content-Type": "application/json"}
    answer = page_client.post(URL, data=_subscription_with(endpoint), headers=headers)
    assert answer.status_code == 400 and set(answer.get_json()) == {"error", "message"}
    gone = page_client.delete(URL, data=f'{{"endpoint": {endpoint}}}', headers=headers)
    assert gone.status_code == delete_status and set(gone.get_json()) == {"error", "message"}
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


def test_a_deeply_nested_body_is_refused_with_400(page_client):
    deep = '{"subscription": ' + "[" * 1000 + "]" * 1000 + "}"
    for method in ("POST", "DELETE"):
        answer = page_client.open(
            URL, method=method, data=deep, headers=ORIGIN, content_type="application/json"
        )
        assert answer.status_code == 400 and answer.get_json()["error"] == "invalid"


def test_options_is_answered_not_refused(page_client):
    answer = page_client.options(URL, headers=ORIGIN)
    assert answer.status_code == 200 and {"POST", "DELETE"} <= set(answer.headers["Allow"].split(", "))


def test_errors_under_push_are_json(page_client):
    for method, url in (("GET", URL), ("PUT", "/push/key"), ("GET", "/push/nothing")):
        answer = page_client.open(url, method=method)
        assert answer.status_code in (404, 405) and set(answer.get_json()) == {"error", "message"}


def test_subscribing_more_than_30_times_a_minute_gets_429(page_client):
    statuses = [post(page_client, body()).status_code for _ in range(31)]
    assert statuses[:30] == [201] + [200] * 29
    assert statuses[30] == 429 and set(post(page_client, body()).get_json()) == {"error", "message"}


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        # The endpoint check and the HTTP library once read the backslash differently: 127.0.0.1:443 was hit.
        ("https://127.0.0.1\\@fcm.googleapis.com/fcm/send/abc", "backslash"),
        ("https://fcm.googleapis.com:6379/", "443"),
        ("https://fcm.googleapis.com:8443/fcm/send/abc", "443"),
        ("https://user:pass@fcm.googleapis.com/fcm/send/abc", "user name"),
        ("https://127.0.0.1@fcm.googleapis.com/fcm/send/abc", "user name"),
        ("https://fcm.googleapis.com@127.0.0.1/fcm/send/abc", "user name"),
        ("https://fcm.googleapis.com%2F@127.0.0.1/x", "user name"),
        ("https://fcm.googleapis.com./fcm/send/abc", "known push service"),
        ("http://fcm.googleapis.com/fcm/send/abc", "https"),
        ("https://127.0.0.1/fcm/send/abc", "known push service"),
        ("https://[::1]/fcm/send/abc", "known push service"),
    ],
)
def test_endpoint_that_could_reach_another_host_or_port_is_refused(
    guarded_app, page_client, endpoint, reason
):
    answer = post(page_client, body(endpoint=endpoint))
    assert answer.status_code == 400, endpoint
    assert answer.get_json()["error"] == "invalid" and reason in answer.get_json()["message"]
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


def test_endpoint_on_port_443_written_or_implied_is_accepted(page_client):
    assert post(page_client, body(endpoint="https://fcm.googleapis.com:443/fcm/send/a")).status_code == 201
    assert post(page_client, body(endpoint="https://fcm.googleapis.com/fcm/send/b")).status_code == 201


def test_429_says_when_to_try_again(page_client):
    for _ in range(30):
        post(page_client, body())
    answer = post(page_client, body())
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert answer.get_json()["error"] == "too_many_requests"


def test_new_subscriptions_from_one_address_are_capped_per_day(make_app):
    """30 a minute must not add up to 43,000 a day: only new subscriptions count, updates do not."""
    app = make_app(
        WTF_CSRF_ENABLED=False, PUSH_SUBSCRIPTIONS_PER_DAY=3, PUSH_SERVICE_HOSTS=("push.example.net",)
    )
    client = app.test_client()
    new = [post(client, body(endpoint=f"https://push.example.net/send/{i}")).status_code for i in range(4)]
    assert new == [201, 201, 201, 429]
    refused = post(client, body(endpoint="https://push.example.net/send/9"))
    assert refused.status_code == 429 and 23 * 3600 < int(refused.headers["Retry-After"]) <= 24 * 3600
    # A page updating the stars of a subscription it already has is not refused.
    again = post(client, body(sessions=("dentistry-keynote",), endpoint="https://push.example.net/send/0"))
    assert again.status_code == 200 and again.get_json()["sessions"] == ["dentistry-keynote"]
    with app.app_context():
        assert db.session.query(PushSubscription).count() == 3


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"p256dh": b"\x04" * 64}, "'keys.p256dh' must be 65 bytes (an uncompressed P-256 point)."),
        ({"p256dh": b"\x02" * 65}, "'keys.p256dh' must be 65 bytes (an uncompressed P-256 point)."),
        ({"auth": b"a" * 15}, "'keys.auth' must be 16 bytes."),
        ({"auth": b"a" * 17}, "'keys.auth' must be 16 bytes."),
    ],
)
def test_keys_of_the_wrong_size_or_kind_are_refused_saying_what_they_must_be(
    guarded_app, page_client, keys, message
):
    data = body()
    data["subscription"]["keys"].update({name: b64url(raw) for name, raw in keys.items()})
    answer = post(page_client, data)
    assert answer.status_code == 400 and answer.get_json() == {"error": "invalid", "message": message}
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


def test_a_subscription_with_the_longest_endpoint_is_updated_without_counting_towards_the_day(make_app):
    app = make_app(
        WTF_CSRF_ENABLED=False, PUSH_SUBSCRIPTIONS_PER_DAY=1, PUSH_SERVICE_HOSTS=("push.example.net",)
    )
    client = app.test_client()
    longest = "https://push.example.net/send/" + "a" * (MAX_ENDPOINT - len("https://push.example.net/send/"))
    assert post(client, body(endpoint=longest)).status_code == 201
    again = post(client, body(sessions=("dentistry-keynote",), endpoint=longest))
    assert again.status_code == 200 and again.get_json()["sessions"] == ["dentistry-keynote"]


@pytest.mark.parametrize("endpoint", [None, 7, ["https://push.example.net/send/abc"], {"url": "x"}])
def test_an_endpoint_that_is_not_text_is_refused_with_400(guarded_app, page_client, endpoint):
    data = body()
    data["subscription"]["endpoint"] = endpoint
    answer = post(page_client, data)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid"
    assert "endpoint" in answer.get_json()["message"]
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


def test_a_subscription_naming_sessions_that_do_not_exist_names_the_first_of_them(guarded_app, page_client):
    answer = post(page_client, body(sessions=("medical-data-platform", "no-such-session", "nor-this-one")))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "invalid", "message": "There is no session 'no-such-session'."}
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0


@pytest.mark.parametrize("name", ["p256dh", "auth"])
@pytest.mark.parametrize("text", ["not base64!", "키" * 22])  # bad padding; not ASCII at all
def test_a_key_that_is_not_base64url_is_refused_saying_so(guarded_app, page_client, name, text):
    data = body()
    data["subscription"]["keys"][name] = text
    answer = post(page_client, data)
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "invalid", "message": f"'keys.{name}' is not base64url."}
    with guarded_app.app_context():
        assert db.session.query(PushSubscription).count() == 0
