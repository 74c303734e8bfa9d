"""A release that would cancel more than a fifth of the sessions, or is another event's, waits for staff."""

import copy
import hashlib
import json
import re
import time

import pytest
import sqlalchemy as sa

from tests.sources.test_follow import MOVED, _events, head_seq_of, next_release, poll
from tests.staff.test_auth import PASSWORD, login
from webapp.extensions import db
from webapp.live.changes import apply_change
from webapp.models import Change, Session
from webapp.sources.follow import NotHeld, apply_held, held_release, ignore_held, recent_clashes
from webapp.staff.accounts import create_staff


def keep_only(data: dict, count: int, version: str = "v2") -> dict:
    """Return the release with only its first `count` sessions (a half-written or broken export)."""
    data = copy.deepcopy(data)
    for number, (day, room, event) in enumerate(list(_events(data))):
        if number >= count:
            day["rooms"][room].remove(event)
    data["schedule"]["version"] = version
    return data


def all_new_guids(data: dict) -> dict:
    """Return the release with every session under a new guid (the wrong event's URL, or a regenerated export)."""
    data = copy.deepcopy(data)
    for number, (_day, _room, event) in enumerate(_events(data)):
        event["guid"] = f"00000000-0000-4000-8000-{number:012d}"
    data["schedule"]["version"] = "other"
    return data


def serve(release_server, data: dict) -> None:
    release_server.body = json.dumps(data).encode()


def scheduled(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Session).where(Session.status != "cancelled")
        )


@pytest.fixture
def started(followed):
    """The follower after its first poll of the imported release (nothing to change)."""
    app, follower, first = followed
    assert poll(app, follower).status == "applied"
    return app, follower, first


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda first: keep_only(first, 1), "release v2 would cancel 35 of 36 sessions"),
        (all_new_guids, "release other would cancel 36 of 36 sessions"),
    ],
    ids=["one-session-of-36-left", "all-new-guids"],
)
def test_a_release_cancelling_most_sessions_is_held_and_nothing_applied(
    started, release_server, make, message
):
    app, follower, first = started
    serve(release_server, make(first))
    outcome = poll(app, follower)
    assert outcome.status == "held"
    assert outcome.message == f"{release_server.url}: {message}; held: nothing applied until staff apply it."
    assert (head_seq_of(app), scheduled(app)) == (0, 36)  # no change at all
    with app.app_context():
        assert held_release()["cancel"] == int(message.split("cancel ")[1].split(" ")[0])
    # The follower keeps polling: the same release stays held, and says so.
    follower.etag = None
    assert poll(app, follower).message == f"{release_server.url}: {message}; still held for staff."


@pytest.mark.parametrize(("left", "status"), [(29, "applied"), (28, "held")])
def test_the_line_is_a_fifth_of_the_scheduled_sessions(started, release_server, left, status):
    app, follower, first = started
    serve(release_server, keep_only(first, left))  # 36 - 29 = 7 cancels (7 × 5 <= 36); 8 cancels is more
    assert poll(app, follower).status == status


def test_a_release_of_another_event_is_held_even_without_cancels(started, release_server):
    app, follower, first = started
    other = copy.deepcopy(first)
    other["schedule"]["conference"]["acronym"] = "othercon"
    other["schedule"]["version"] = "v9"
    serve(release_server, other)
    outcome = poll(app, follower)
    assert outcome.status == "held"
    assert (
        "release v9 is another event ('othercon', not 'democon') and would cancel 0 of 36 sessions"
        in outcome.message
    )


def test_a_later_release_supersedes_a_held_one(started, release_server):
    app, follower, first = started
    serve(release_server, keep_only(first, 1))
    assert poll(app, follower).status == "held"
    second, _ = next_release(first)  # an ordinary release: one move, one retime, one cancel, one add
    serve(release_server, second)
    outcome = poll(app, follower)
    assert outcome.status == "applied"
    with app.app_context():
        assert held_release() is None
    assert scheduled(app) == 36  # 35 of the old + the added one; the removed one cancelled


def test_staff_apply_a_held_release(started, release_server):
    app, follower, first = started
    serve(release_server, keep_only(first, 1))
    poll(app, follower)
    with app.app_context():
        digest = held_release()["digest"]
        outcome = apply_held(digest, "alice")
        assert outcome.status == "applied"
        assert outcome.message.startswith(f"{release_server.url}: release v2 applied by alice: 35 cancel")
        assert held_release() is None
        by = {c.by for c in db.session.scalars(sa.select(Change))}
        assert by == {f"import:{release_server.url}"}
        with pytest.raises(NotHeld):
            apply_held(digest, "alice")  # a second tap changes nothing
    assert scheduled(app) == 1
    follower.etag = None
    assert poll(app, follower).status == "unchanged"


def test_staff_ignore_a_held_release_and_it_is_not_held_again(started, release_server):
    app, follower, first = started
    serve(release_server, all_new_guids(first))
    poll(app, follower)
    with app.app_context():
        ignore_held(held_release()["digest"], "alice")
        assert held_release() is None
    follower.etag = None
    assert (
        poll(app, follower).message == f"{release_server.url}: staff ignored this release; nothing changed."
    )
    assert (head_seq_of(app), scheduled(app)) == (0, 36)


# --- the console and the log -----------------------------------------------------------------------


def signed_in(app):
    with app.app_context():
        create_staff("alice", PASSWORD)
    client = app.test_client()
    login(client, "alice")
    return client


@pytest.fixture
def held_for_alice(started, release_server):
    """A release held (1 session of 36 left), and a client signed in as alice."""
    app, follower, first = started
    serve(release_server, keep_only(first, 1))
    poll(app, follower)
    return app, signed_in(app)


def held_form(page: str, action: str) -> dict:
    form = page[page.index(f'action="/staff/held/{action}"') :]
    return {
        name: value
        for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form[: form.index("</form>")])
    }


@pytest.mark.parametrize("page", ["/staff/", "/staff/log"])
def test_the_console_and_the_log_show_the_held_release_with_apply_and_ignore(held_for_alice, page):
    _, client = held_for_alice
    english = client.get(f"{page}?lang=en").get_data(as_text=True)
    assert "Release v2 would cancel 35 of 36 sessions." in english
    assert ">Apply</button>" in english and ">Ignore</button>" in english
    korean = client.get(f"{page}?lang=ko").get_data(as_text=True)
    assert "새 일정 버전(v2)을 적용하면 세션 36개 중 35개가 취소됩니다." in korean
    assert ">적용</button>" in korean and ">무시</button>" in korean


def test_apply_from_the_console_applies_and_says_so(held_for_alice):
    app, client = held_for_alice
    form = held_form(client.get("/staff/?lang=en").get_data(as_text=True), "apply")
    answer = client.post("/staff/held/apply", data=form)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/staff/")
    page = client.get("/staff/?lang=en").get_data(as_text=True)
    assert "Applied: 35 changes from the published schedule." in page
    assert "would cancel" not in page
    assert scheduled(app) == 1
    # The same form again (a second tab): nothing more happens, and the page says why.
    client.post("/staff/held/apply", data=form)
    assert "That release is no longer held" in client.get("/staff/?lang=en").get_data(as_text=True)
    assert scheduled(app) == 1


def test_ignore_from_the_log_changes_nothing(held_for_alice):
    app, client = held_for_alice
    form = held_form(client.get("/staff/log?lang=en").get_data(as_text=True), "ignore")
    answer = client.post("/staff/held/ignore", data=form)
    assert answer.headers["Location"] == "/staff/log"
    assert "Ignored release v2; nothing was changed." in client.get("/staff/log?lang=en").get_data(
        as_text=True
    )
    assert (head_seq_of(app), scheduled(app)) == (0, 36)


def test_a_form_without_its_csrf_token_is_refused(held_for_alice):
    app, client = held_for_alice
    form = held_form(client.get("/staff/").get_data(as_text=True), "apply")
    del form["csrf_token"]
    assert client.post("/staff/held/apply", data=form).status_code == 400
    assert scheduled(app) == 36


def test_the_held_card_is_served_alone_for_the_pages_to_redraw_it(held_for_alice):
    _, client = held_for_alice
    page = client.get("/staff/log?lang=en").get_data(as_text=True)
    assert 'data-card="/staff/held/card?next=/staff/log"' in page
    card = client.get("/staff/held/card?next=/staff/log&lang=en")
    assert card.status_code == 200 and card.mimetype == "text/html"
    html = card.get_data(as_text=True)
    # The same card the page was drawn with: one template for both (each answer signs its CSRF token anew).
    unsigned = lambda text: re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', text)  # noqa: E731
    assert unsigned(html.strip()) in unsigned(page)
    assert "Release v2 would cancel 35 of 36 sessions." in html and 'name="next" value="/staff/log"' in html
    time.sleep(1.1)  # a new second: a new CSRF signature in the card, but the same card
    again = client.get(
        "/staff/held/card?next=/staff/log&lang=en", headers={"If-None-Match": card.headers["ETag"]}
    )
    assert again.status_code == 304
    # Applied elsewhere (another tab, another staff member): the card is gone, and the ETag says so.
    client.post("/staff/held/apply", data=held_form(page, "apply"))
    after = client.get(
        "/staff/held/card?next=/staff/log&lang=en", headers={"If-None-Match": card.headers["ETag"]}
    )
    assert after.status_code == 200 and after.get_data(as_text=True).strip() == ""


def test_the_held_card_sends_a_form_back_only_to_a_staff_page(held_for_alice):
    _, client = held_for_alice
    for target in ("https://evil.example/staff/", "//evil.example/staff", "/login", ""):
        html = client.get("/staff/held/card", query_string={"next": target}).get_data(as_text=True)
        assert 'name="next" value="/staff/"' in html, target


def test_the_held_card_is_for_staff_only(started, release_server):
    app, follower, first = started
    serve(release_server, keep_only(first, 1))
    poll(app, follower)
    response = app.test_client().get("/staff/held/card")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("version", ["v" * 70, None], ids=["long-version", "no-version"])
def test_a_held_release_is_named_by_its_version_cut_at_60_or_else_by_its_digest(
    started, release_server, version
):
    app, follower, first = started
    data = keep_only(first, 1, version=version or "")
    if version is None:
        del data["schedule"]["version"]
    serve(release_server, data)
    name = "v" * 60 if version else hashlib.sha256(release_server.body).hexdigest()[:12]
    assert poll(app, follower).message == (
        f"{release_server.url}: release {name} would cancel 35 of 36 sessions; held: nothing applied until "
        "staff apply it."
    )


def test_a_release_cancelling_exactly_a_fifth_is_applied(started, release_server):
    app, follower, first = started
    with app.app_context():  # 35 scheduled; the one staff cancelled stays in the release
        apply_change({"kind": "cancel", "session": MOVED}, by="alice")
    serve(release_server, keep_only(first, 29))  # 7 cancels: 7 × 5 = 35
    outcome = poll(app, follower)
    assert outcome.status == "applied" and outcome.message.endswith(": new release applied: 7 cancel")
    assert scheduled(app) == 28


def test_staff_apply_a_held_release_that_makes_a_clash_and_it_is_listed(started, release_server):
    app, follower, first = started
    other, _ = next_release(first)  # moves a session onto another in the Tan Room
    other["schedule"]["conference"]["acronym"] = "othercon"
    serve(release_server, other)
    assert poll(app, follower).status == "held"
    with app.app_context():
        outcome = apply_held(held_release()["digest"], "alice")
        assert outcome.status == "applied" and "; 1 clashes (sessions overlapping" in outcome.message
        listed = recent_clashes()
    assert [(c["release"], c["by"]) for c in listed] == [("v1.2", f"import:{release_server.url}")]
