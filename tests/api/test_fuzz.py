"""The JSON API (/api/ and /push/) fuzzed with schemathesis against its own OpenAPI document.

Every operation, every method, positive and negative data, as anonymous callers (a visitor's page, a
forger of credentials) and as staff (bearer token; signed-in cookie with its CSRF token): no 5xx, only
documented statuses, content types and bodies, 405 for undocumented methods. Anonymous requests change
nothing; every 201 staff got is one real change in the log. Deterministic: the coverage phase's cases,
then derandomized Hypothesis cases, some with a hostile value (lone surrogate, NUL, 2**70, deep nesting)
in an otherwise valid body. Statuses seen are printed (-s).
"""

import re
from collections import Counter

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.hooks import HookDispatcher, HookScope
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from webapp.extensions import db
from webapp.live.log import head_seq
from webapp.push.models import PushSubscription
from webapp.staff.accounts import create_staff, issue_token

# The WSGI transport hands back the bytes as sent: ask for them uncompressed (Flask-Compress).
PLAIN = {"Accept-Encoding": "identity"}
# What a browser on one of the site's pages sends (the test client's host is localhost).
PAGE = {"Origin": "http://localhost"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,  # acts on the coverage phase's undocumented-method cases
]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
PASSWORD = "correct horse battery staple"
# Bounded and derandomized: the same cases on every run, so CI is deterministic.
READ_EXAMPLES, WRITE_EXAMPLES = 25, 100
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Where the document's security schemes put credentials (webapp/api/spec.py SECURITY_SCHEMES).
CREDENTIALS = ("Authorization", "session", "X-CSRFToken")
POST_CHANGE, SUBSCRIBE, UNSUBSCRIBE = (
    "POST /api/changes", "POST /push/subscriptions", "DELETE /push/subscriptions",
)  # fmt: skip


# Generated once per document and replayed to every app and caller: derandomized, the cases are the same
# each time anyway, and generating them is most of the cost. The SQLite and PostgreSQL apps publish the
# same document (same ETag), so they get the same cases. Lost: Hypothesis shrinking a failing case
# (schemathesis still reports it with a curl line to reproduce it).
_GENERATED: dict[str, tuple] = {}


@pytest.fixture
def api_schema(app):
    """The app's published document loaded by schemathesis (Fuzzer and case.call(app=...) name the app)."""
    return fuzz_cases(app)[0]


def fuzz_cases(app) -> tuple:
    """Return (schema, {operation label: cases}) for app's document, generated on first use."""
    published = app.test_client().get("/api/openapi.json")
    etag = published.headers["ETag"]
    if etag not in _GENERATED:
        schema = schemathesis.openapi.from_dict(published.get_json())
        schema.app = app
        hooks = aim_at_real_ids(app, schema), aim_at_real_ids(app, schema, spoil=True)
        _GENERATED[etag] = (schema, {op.label: generate(op, *hooks) for op in operations(schema)})
    return _GENERATED[etag]


@pytest.fixture
def staff(app):
    """Staff member alice: a bearer token, and a signed-in session cookie with its CSRF token."""
    with app.app_context():
        create_staff("alice", PASSWORD)
        token = issue_token("alice")
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    signed_in = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": csrf})
    assert signed_in.status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return {
        "bearer": {"headers": {**PAGE, "Authorization": f"Bearer {token}"}},
        "cookie": {
            "without": ("Authorization",),  # a generated bearer token would be refused before the cookie
            "headers": {"X-CSRFToken": meta},
            "cookies": {"session": client.get_cookie("session").value},
        },
    }


def operations(api_schema, chosen=lambda op: True) -> list:
    return [op for op in (result.ok() for result in api_schema.get_all_operations()) if chosen(op)]


def generate(operation, aimed, spoiled) -> list:
    """Return the operation's cases: the coverage phase's, then derandomized Hypothesis ones.

    Coverage: every boundary and wrong-type value the document allows, and every undocumented method.
    Hypothesis, a bounded number: positive aimed at real ids, the same with one hostile value, negative.
    """
    config = operation.schema.config.generation_for(operation=operation, phase="coverage")
    cases = list(
        CoverageGenerator(
            operation=operation,
            generation_modes=MODES,
            generation_config=config,
            auth_storage=None,
            override=Override(),
            feedback=FeedbackSources(),
        )
    )
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, hooks=aimed),
        operation.as_strategy(GenerationMode.POSITIVE, hooks=spoiled),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(FUZZ, max_examples=READ_EXAMPLES if operation.method.upper() == "GET" else WRITE_EXAMPLES)
    @given(case=strategy)
    def collect(case):
        cases.append(case)

    collect()
    return cases


class Fuzzer:
    """Send cases with one caller's credentials, check each answer as documented, count statuses."""

    def __init__(self, app, headers=None, cookies=None, without=()):
        self.app, self.headers, self.cookies = app, {**PLAIN, **(headers or {})}, cookies or {}
        self.without = without  # generated headers and cookies taken off every case
        self.seen: Counter = Counter()
        self.created: list[dict] = []
        self.sent = 0

    def send(self, case) -> None:
        headers, cookies = case.headers, case.cookies
        if self.without:  # off for this call only: the case is sent again by other callers
            case.headers = {k: v for k, v in (headers or {}).items() if k not in self.without}
            case.cookies = {k: v for k, v in (cookies or {}).items() if k not in self.without}
        try:
            self._send(case)
        finally:
            case.headers, case.cookies = headers, cookies

    def _send(self, case) -> None:
        # Each request from its own address: the push endpoints allow 30 a minute per address, and
        # RATELIMIT_ENABLED=False cannot be used, since flask-limiter keeps it for every app made later
        # in the process (Limiter is one object; flask_limiter/_extension.py:331 setdefaults from it).
        self.sent += 1
        address = {"REMOTE_ADDR": f"10.0.{self.sent // 250 % 250}.{self.sent % 250 + 1}"}
        # The app named: a case would go to its operation's app (schemathesis/generation/case.py:481),
        # the one the cases were generated with.
        response = case.call(
            app=self.app, headers=self.headers, cookies=self.cookies, environ_overrides=address
        )
        case.validate_response(response, checks=CHECKS, headers=self.headers)
        label, sent = case.operation.label, response.request.method
        if sent != case.operation.method.upper():  # the coverage phase's undocumented methods
            label = f"{sent} (undocumented, on every path)"
        self.seen[(label, response.status_code)] += 1
        if response.status_code == 201 and label == POST_CHANGE:
            self.created.append(response.json())

    def run(self, cases: dict[str, list], chosen=lambda label: True) -> "Fuzzer":
        for label, operation_cases in cases.items():
            if chosen(label):
                for case in operation_cases:
                    self.send(case)
        return self

    def statuses(self, label: str) -> set[int]:
        return {status for (seen, status) in self.seen if seen == label}

    def summary(self) -> str:
        """The statuses seen per operation, one line each."""
        by_operation: dict[str, Counter] = {}
        for (label, status), count in sorted(self.seen.items()):
            by_operation.setdefault(label, Counter())[status] = count
        return "\n".join(f"{label}: {dict(counts)}" for label, counts in by_operation.items())


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


# What no schema describes but a client can send; each of these was a 500 somewhere once (issue 9).
HOSTILE = ["\ud800", "a\x00b", "https://[::1/x", "https://fcm.googleapis.com:99999/x", "x" * 5000]
HOSTILE += [2**70, -(2**70), 1e308, _nested(100)]
HOSTILE_SUFFIXES = ["\ud800", "\x00", " x"]  # on a valid text, so it gets past the checks of its start


def _spoil_one_leaf(body: dict):
    """Return a strategy for body with one value replaced by a hostile one, or hostile text appended."""
    paths, todo = [], [((), body)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, dict) and value:
            todo.extend(((*path, k), v) for k, v in value.items())
        else:
            paths.append(path)

    def put(path, old):
        options = [st.sampled_from(HOSTILE)]
        if isinstance(old, str):
            options.append(st.sampled_from(HOSTILE_SUFFIXES).map(lambda tail: old + tail))
        return st.one_of(options).map(lambda new: _replaced(body, path, new))

    return st.sampled_from(paths).flatmap(lambda path: put(path, _at(body, path)))


def _at(body, path):
    for key in path:
        body = body[key]
    return body


def _replaced(body, path, new):
    if not path:
        return new
    return {**body, path[0]: _replaced(body[path[0]], path[1:], new)}


def aim_at_real_ids(app, api_schema, spoil=False) -> HookDispatcher:
    """A hook that often swaps the ids in generated bodies for real ones, so writes can succeed.

    Without it every positive body names a random slug and gets 404: the write paths would go untested.
    With spoil, one value of the body so aimed is then made hostile: the checks behind the schema's.
    """
    event = app.extensions["event"]
    venues = [f.properties for f in event.venues]
    sessions = [s.id for s in event.program.sessions]
    example = api_schema.raw_schema["paths"]["/push/subscriptions"]["post"]["requestBody"]
    subscription = example["content"]["application/json"]["example"]["subscription"]
    endpoints = [f"{subscription['endpoint']}-{i}" for i in range(3)]
    real = {
        "session": st.sampled_from(sessions),
        "room": st.sampled_from([r.id for v in venues for r in v.rooms]),
        "venue": st.sampled_from([v.id for v in venues]),
        "announcement": st.integers(1, 3),
        "seq": st.integers(1, 5),
        "sessions": st.lists(st.sampled_from(sessions), max_size=3),
        "subscription": st.sampled_from(endpoints).map(lambda e: {**subscription, "endpoint": e}),
        "endpoint": st.sampled_from(endpoints),
    }
    optional = {"venue", "expected_version"}
    dropped = object()

    def flatmap_body(_context, body):
        if not isinstance(body, dict):
            return st.just(body)
        choices = {}
        for key, value in body.items():
            options = [st.just(value)]
            if key in real:
                options.append(real[key])
            if key in optional:
                options.append(st.just(dropped))
            choices[key] = st.one_of(options)
        aimed = st.fixed_dictionaries(choices).map(
            lambda chosen: {k: v for k, v in chosen.items() if v is not dropped}
        )
        return aimed.flatmap(_spoil_one_leaf) if spoil else aimed

    hooks = HookDispatcher(scope=HookScope.TEST)
    hooks.register_hook_with_name(flatmap_body, "flatmap_body")
    return hooks


def snapshot(app) -> dict:
    """What a change would alter: the log's head, sessions, rooms, announcements; push subscriptions."""
    client = app.test_client()
    with app.app_context():
        head = head_seq()
        subscriptions = db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription))
    return {
        "head": head,
        "sessions": client.get("/api/sessions").get_json(),
        "venues": client.get("/api/venues").get_json(),
        "changes": client.get("/api/changes?since=0").get_json(),
        "subscriptions": subscriptions,
    }


def test_every_operation_is_fuzzed(app, api_schema):
    labels = {op.label for op in operations(api_schema)}
    documented = {f"{m.upper()} {p}" for p, item in api_schema.raw_schema["paths"].items() for m in item}
    assert labels == documented and {POST_CHANGE, SUBSCRIBE, UNSUBSCRIBE} <= labels and len(labels) >= 13
    # And each one gets cases: the fuzzing tests below loop over these.
    cases = fuzz_cases(app)[1]
    assert set(cases) == labels and all(len(cases[label]) >= 10 for label in labels), {
        label: len(found) for label, found in cases.items()
    }


def test_a_visitors_page_changes_nothing_but_its_own_subscription(app):
    """No credentials at all (generated ones are taken off), and the Origin of the site's own pages."""
    before = snapshot(app)
    # The cases aim at real ids, as staff's do: an open door would show as 201s and a changed snapshot.
    fuzzer = Fuzzer(app, headers=PAGE, without=CREDENTIALS).run(fuzz_cases(app)[1])
    print(f"\nvisitor:\n{fuzzer.summary()}")
    assert fuzzer.statuses(POST_CHANGE) == {401}, fuzzer.seen
    # Not vacuous: the visitor's own writes, push subscriptions, were made, updated, removed and refused.
    assert {200, 201, 400} <= fuzzer.statuses(SUBSCRIBE), fuzzer.seen
    assert {204, 400, 404} <= fuzzer.statuses(UNSUBSCRIBE), fuzzer.seen
    after = snapshot(app)
    assert {**after, "subscriptions": None} == {**before, "subscriptions": None}


def test_forged_credentials_change_nothing(app):
    """The bearer tokens, session cookies, CSRF tokens and Origins schemathesis makes up, on every write."""
    before = snapshot(app)
    schema, cases = fuzz_cases(app)
    secured = {op.label for op in operations(schema, lambda op: "security" in op.definition.raw)}
    fuzzer = Fuzzer(app).run(cases, lambda label: label in secured)
    print(f"\nforger:\n{fuzzer.summary()}")
    assert fuzzer.statuses(POST_CHANGE) == {401}, fuzzer.seen
    assert fuzzer.statuses(SUBSCRIBE) | fuzzer.statuses(UNSUBSCRIBE) == {403}, fuzzer.seen
    assert snapshot(app) == before


def _assert_log_holds_exactly(app, staff, created: list[dict]) -> None:
    """Every 201 is one change in the log, as it was answered; nothing else is there."""
    with app.app_context():
        assert head_seq() == len(created)
    log = app.test_client().get("/api/changes?since=0", **staff["bearer"])
    assert log.status_code == 200
    assert log.get_json()["changes"] == sorted(created, key=lambda c: c["seq"])
    assert [c["seq"] for c in log.get_json()["changes"]] == list(range(1, len(created) + 1))


def _still_answers_as_documented(app, api_schema, staff) -> None:
    for path, query in (("/api/changes", {"since": 0}), ("/api/sessions", {}), ("/api/venues", {})):
        case = api_schema[path]["GET"].Case(query=query)
        response = case.call(app=app, headers={**PLAIN, **staff["bearer"]["headers"]})
        assert response.status_code == 200, (path, response.text)
        case.validate_response(response, checks=CHECKS, headers=PLAIN)


# A bearer token on every operation; the cookie where credentials matter (the change log: `by`, the write).
STAFF_OPERATIONS = {"bearer": lambda label: True, "cookie": lambda label: label.endswith(" /api/changes")}


@pytest.mark.parametrize("credential", sorted(STAFF_OPERATIONS))
def test_staff_fuzzing_answers_as_documented_and_every_201_is_logged(app, staff, credential):
    api_schema, cases = fuzz_cases(app)
    fuzzer = Fuzzer(app, **staff[credential]).run(cases, STAFF_OPERATIONS[credential])
    kinds = Counter(c["kind"] for c in fuzzer.created)
    print(f"\n{credential}:\n{fuzzer.summary()}\nkinds created: {dict(kinds)}")
    posted = fuzzer.statuses(POST_CHANGE)
    # Not vacuous: staff fuzzing reached the write path and was refused too.
    assert 201 in posted and {400, 404, 409} <= posted, fuzzer.seen
    assert 401 not in posted, fuzzer.seen
    _assert_log_holds_exactly(app, staff, fuzzer.created)
    _still_answers_as_documented(app, api_schema, staff)


def test_every_path_answers_undocumented_methods_with_405_json(app, api_schema):
    client = app.test_client()
    tried = []
    for path, item in api_schema.raw_schema["paths"].items():
        url = path.replace("{session_id}", "opening-ceremony")
        allowed = {m.upper() for m in item}
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed:
            tried.append((method, path))
            response = client.open(url, method=method, headers=PAGE)
            assert response.status_code == 405, (method, path)
            assert set(response.get_json()) == {"error", "message"}, (method, path)
            allow = {m.strip() for m in response.headers.get("Allow", "").split(",")}
            assert allow - {"HEAD", "OPTIONS"} == allowed, (method, path, response.headers.get("Allow"))
    # Every path was tried with each method it does not document (five methods, none has them all).
    documented = sum(len(item) for item in api_schema.raw_schema["paths"].values())
    assert len(tried) == 5 * len(api_schema.raw_schema["paths"]) - documented
    assert {path for _, path in tried} == set(api_schema.raw_schema["paths"]) and len(tried) >= 30
