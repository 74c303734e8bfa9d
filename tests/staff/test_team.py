"""Staff accounts from the browser (/staff/accounts): organisers add accounts and give out sign-in links."""

import re

from tests.staff.test_auth import PASSWORD, login, meta_csrf
from tests.staff.test_links import open_link
from webapp.staff.accounts import create_staff, get_staff, set_role


def shown_link(page: str) -> str:
    """Return the sign-in link an accounts page shows (once), or fail."""
    found = re.search(r'id="issued-url" value="([^"]+)"', page)
    assert found, "no sign-in link on the page"
    return found.group(1)


def test_an_organiser_adds_a_volunteer_who_signs_in_by_the_link_once(app, organiser):
    client, token = organiser
    added = client.post(
        "/staff/accounts/?lang=en",
        data={"name": "Min-jun", "role": "staff", "minutes": 60, "csrf_token": token},
    )
    page = added.get_data(as_text=True)
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    assert "Sign-in link for Min-jun" in page and "Shown only now." in page and 'class="qr"' in page
    url = shown_link(page)
    # Shown once: the list afterwards says a link is open, but not what it is.
    listing = client.get("/staff/accounts/?lang=en").get_data(as_text=True)
    assert url.rsplit("/", 1)[1] not in listing and "Sign-in link until" in listing
    phone = app.test_client()
    assert open_link(phone, url.rsplit("/", 1)[1]).status_code == 302
    assert phone.get("/staff/").status_code == 200
    # A staff member sees today's pages, not the organiser's.
    assert phone.get("/staff/accounts/").status_code == 403
    assert phone.get("/staff/venues/").status_code == 403


def test_a_new_link_for_an_account_and_revoking_it(app, organiser):
    client, token = organiser
    with app.app_context():
        staff_id = create_staff("mina", None).id
    page = client.post(f"/staff/accounts/{staff_id}/link", data={"minutes": 15, "csrf_token": token})
    url = shown_link(page.get_data(as_text=True))
    listing = client.get("/staff/accounts/").get_data(as_text=True)
    link_id = re.search(r'action="/staff/accounts/links/(\d+)/revoke"', listing).group(1)
    revoked = client.post(f"/staff/accounts/links/{link_id}/revoke?lang=en", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert "The sign-in link is revoked." in client.get("/staff/accounts/?lang=en").get_data(as_text=True)
    assert open_link(app.test_client(), url.rsplit("/", 1)[1]).status_code == 404


def test_turning_an_account_off_signs_it_out_everywhere(app, organiser):
    client, token = organiser
    with app.app_context():
        staff_id = create_staff("bob", PASSWORD).id
    phone = app.test_client()
    assert login(phone, "bob")[0].status_code == 302
    off = client.post(f"/staff/accounts/{staff_id}/active?lang=en", data={"active": "0", "csrf_token": token})
    assert off.status_code == 302
    assert phone.get("/staff/").status_code == 302
    assert login(app.test_client(), "bob")[0].status_code == 401
    assert (
        client.post(
            f"/staff/accounts/{staff_id}/active", data={"active": "1", "csrf_token": token}
        ).status_code
        == 302
    )
    # On again, but the old session stays ended.
    assert phone.get("/staff/").status_code == 302
    assert login(app.test_client(), "bob")[0].status_code == 302


def test_roles_change_and_the_last_organiser_keeps_theirs(app, organiser):
    client, token = organiser
    with app.app_context():
        bob = create_staff("bob", PASSWORD).id
        olga = get_staff("olga").id
    made = client.post(f"/staff/accounts/{bob}/role", data={"role": "organiser", "csrf_token": token})
    assert made.status_code == 302
    with app.app_context():
        assert get_staff("bob").role == "organiser"
        set_role("bob", "staff")
    refused = client.post(f"/staff/accounts/{olga}/role?lang=en", data={"role": "staff", "csrf_token": token})
    assert refused.status_code == 302
    assert "the only active organiser" in client.get("/staff/accounts/?lang=en").get_data(as_text=True)
    off = client.post(f"/staff/accounts/{olga}/active?lang=en", data={"active": "0", "csrf_token": token})
    assert off.status_code == 302
    with app.app_context():
        assert get_staff("olga").role == "organiser" and get_staff("olga").active


def test_bad_accounts_are_refused_with_a_sentence(app, organiser):
    client, token = organiser
    for name, message in (
        ("olga", "There is already a staff account called"),
        ("bad\x00name", "control character (U+0000)"),
    ):
        page = client.post(
            "/staff/accounts/?lang=en",
            data={"name": name, "role": "staff", "minutes": 60, "csrf_token": token},
        )
        assert page.status_code == 400 and message in page.get_data(as_text=True)
    wrong_role = client.post(
        "/staff/accounts/", data={"name": "x", "role": "admin", "minutes": 60, "csrf_token": token}
    )
    assert wrong_role.status_code == 400
    long_link = client.post(
        "/staff/accounts/", data={"name": "y", "role": "staff", "minutes": 99999, "csrf_token": token}
    )
    assert long_link.status_code == 400
    with app.app_context():
        assert get_staff("x") is None and get_staff("y") is None


def test_the_page_lists_every_account_in_korean_too(client, organiser):
    client, _ = organiser
    page = client.get("/staff/accounts/?lang=ko").get_data(as_text=True)
    assert "olga" in page and "계정 추가" in page
    assert meta_csrf(page)
