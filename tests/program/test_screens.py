"""Room screens show what a person outside a room needs."""

import json
import re

from tests.program.pagetext import change, section, text

AUDITORIUM = "kins-7f-auditorium"
ROOM_COUNT = 10
VENUE_COUNT = 4


# --- /rooms/<id> ------------------------------------------------------------------------------------


def shown(page: str) -> str:
    """Return page without the data a full room's alternatives are drawn from (the day's sessions)."""
    return re.sub(r'<script type="application/json" id="alternatives-data">.*?</script>', "", page)


def test_room_page_shows_now_and_next_in_that_room_at_the_event_clock(client):
    page = text(client.get(f"/rooms/{AUDITORIUM}?lang=en"))
    assert "7F Auditorium" in page and "7층 대강당" in page and "KINS Tower" in page
    now, upcoming = section(page, "room-now-title"), section(page, "room-next-title")
    assert "Seongnam medical data platform" in now  # 10:00-11:30
    assert "Medical-data hub hospitals" in upcoming  # 13:00
    assert "three data laws" in upcoming  # 14:45
    assert "dental" not in shown(page).lower()  # other rooms' sessions stay out
    state = json.loads(re.search(r'id="room-state">(.*?)</script>', page).group(1))
    assert state["room"] == AUDITORIUM
    live = json.loads(re.search(r'id="live-data">(.*?)</script>', page).group(1))
    assert live["clock"] == {"now": "2023-11-29T10:30:00+09:00", "ticking": False}
    assert {s["id"] for s in state["sessions"]} >= {"medical-data-platform", "medical-data-hospitals"}


def test_room_page_says_nothing_is_on_between_sessions(client):
    page = text(client.get(f"/rooms/{AUDITORIUM}?lang=en&at=2023-11-29T12:30"))
    assert 'id="room-now-empty">' in page  # shown, not hidden
    assert "Medical-data hub hospitals" in section(page, "room-next-title")


def test_room_page_shows_full_after_staff_mark_it_full(app, client):
    banner = re.compile(rf'<p class="rstatus rstatus--full" data-room-status="{AUDITORIUM}"[^>]*>')
    open_tag = banner.search(text(client.get(f"/rooms/{AUDITORIUM}?lang=en"))).group(0)
    assert "hidden" in open_tag
    change(app, {"kind": "room_status", "room": AUDITORIUM, "status": "full"})
    page = text(client.get(f"/rooms/{AUDITORIUM}?lang=en"))
    full_tag = banner.search(page).group(0)
    assert "hidden" not in full_tag and 'data-status="full"' in full_tag
    assert "Room full" in page
    assert re.search(r'id="room-open"\s+hidden', page)


def test_room_page_drops_a_session_moved_elsewhere(app, client):
    change(app, {"kind": "move", "session": "medical-data-platform", "room": "kins-7f-meeting-room"})
    assert "Seongnam medical data platform" not in shown(text(client.get(f"/rooms/{AUDITORIUM}?lang=en")))
    moved_to = text(client.get("/rooms/kins-7f-meeting-room?lang=en"))
    assert "Seongnam medical data platform" in section(moved_to, "room-now-title")


def test_screen_mode_marks_the_page_for_signage(client):
    page = text(client.get(f"/rooms/{AUDITORIUM}?screen=1"))
    assert re.search(r'<body class="room-page is-screen">', page)


def test_unknown_room_is_a_404_page(client):
    response = client.get("/rooms/no-such-room?lang=en")
    assert response.status_code == 404
    assert "There is no such room." in text(response)
