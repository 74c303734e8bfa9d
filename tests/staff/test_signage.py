"""Staff print A4 posters whose QR codes open each venue's and room's page."""

import re

import pytest

from webapp.staff.accounts import create_staff
from webapp.staff.signage import public_base

PASSWORD = "a-long-password-123"
ROOM_COUNT = 10
VENUE_COUNT = 4


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def staff_client(app, client):
    """Return the client signed in through the /login form as staff member 'alice'."""
    with app.app_context():
        create_staff("alice", PASSWORD)
    login = text(client.get("/login?lang=en"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    response = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def test_signage_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/staff/signage")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_signage_has_a_qr_poster_for_every_room_and_venue(staff_client):
    page = text(staff_client.get("/staff/signage?lang=en"))
    assert page.count('<svg viewBox="0 0') == ROOM_COUNT + VENUE_COUNT
    assert page.count('data-poster="room:') == ROOM_COUNT
    for ko, en in (
        ("7층 대강당", "7F Auditorium"),
        ("미래홀", "Future Hall"),
        ("스페이스볼룸", "Space Ballroom"),
    ):
        assert ko in page and en in page
    assert "http://localhost/rooms/kins-7f-auditorium" in page
    assert "http://localhost/venues/kins-tower" in page
    assert "경기도 성남시 분당구 돌마로 172" in page and "172 Dolma-ro" in page
    assert "@page" not in page  # print rules live in rooms.css, linked from the page
    assert "/static/css/rooms.css" in page


def test_signage_for_one_venue_at_a_public_address(staff_client):
    page = text(staff_client.get("/staff/signage?lang=en&venue=kins-tower&base=https://live.example.org/"))
    assert page.count('<svg viewBox="0 0') == 3  # the venue and its two rooms
    assert "https://live.example.org/rooms/kins-7f-meeting-room" in page
    assert "Future Hall" not in page.split('class="posters"')[1]


def test_signage_refuses_an_unknown_venue_or_a_bad_address(staff_client):
    assert staff_client.get("/staff/signage?venue=nowhere").status_code == 404
    assert staff_client.get("/staff/signage?base=javascript:alert(1)").status_code == 400


def test_public_base_accepts_http_origins_only():
    assert public_base(None, "http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
    assert public_base("https://x.org/event/", "http://a/") == "https://x.org/event"
    with pytest.raises(ValueError):
        public_base("ftp://x.org", "http://a/")
