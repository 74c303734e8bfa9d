"""Pages render what a visitor needs, in Korean or English, on any clock."""

import re

import pytest


def text(response):
    return response.get_data(as_text=True)


def after(page: str, marker: str, length: int) -> str:
    """Return length characters of page from marker on."""
    return page[page.index(marker) :][:length]


def test_map_page_lists_now_and_next_at_each_venue(client):
    page = text(client.get("/?lang=en"))
    assert "Now and next" in page
    for name in ("Gravity Seoul Pangyo", "KINS Tower", "Healthcare Innovation Park", "Training Center"):
        assert name in page
    gravity = page[
        page.index('id="venue-gravity-pangyo"') : page.index('id="venue-healthcare-innovation-park"')
    ]
    assert "exhibition (day 1)" in gravity.lower()


def test_map_page_loads_no_outside_script_or_style(client):
    page = text(client.get("/"))
    for tag in re.findall(r"<(?:script|link)[^>]*>", page):
        assert "http://" not in tag and "https://" not in tag, tag
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert "user-scalable=no" not in page


def test_map_page_embeds_the_folium_map_and_its_name(client):
    page = text(client.get("/"))
    name = re.search(r'data-map-name="(map_[0-9a-f]+)"', page).group(1)
    assert f"var {name} = L.map(" in page
    assert page.count("L.marker(") == 4
    assert "dashArray" in page  # the approximate venue's accuracy circle


def test_approximate_venue_is_flagged_in_the_list(client):
    page = text(client.get("/?lang=en"))
    card = page[page.index('id="venue-training-center"') :]
    assert "Approximate location" in card[:800]


def test_page_language_follows_toggle_then_accept_language(client):
    assert "킨스타워" in text(client.get("/?lang=ko"))
    assert client.get("/?lang=en").headers.get("Set-Cookie", "").startswith("lang=en")
    assert '<html lang="en">' in text(client.get("/"))  # remembered by the cookie
    fresh = client.application.test_client()
    assert '<html lang="ko">' in text(fresh.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}))
    assert '<html lang="en">' in text(fresh.get("/", headers={"Accept-Language": "de, en;q=0.5"}))


def test_at_parameter_moves_the_clock_and_says_so(client):
    page = text(client.get("/?lang=en&at=2023-11-29T16:30"))
    assert "Showing the program as at" in page and "16:30" in page
    assert "Opening ceremony" in after(page, 'id="venue-gravity-pangyo"', 3000)


def test_bad_at_is_a_friendly_400(client):
    response = client.get("/?at=someday")
    assert response.status_code == 400
    assert "is not an ISO 8601 time" in text(response)


def test_outside_the_event_the_page_says_so_and_shows_day_one(make_app):
    client = make_app(EVENT_NOW=None).test_client()
    page = text(client.get("/?lang=en"))
    assert "today is outside it, so this page shows the first day" in page


def test_schedule_filters_by_venue_and_track(client):
    page = text(client.get("/schedule?lang=en&day=2023-11-30&venue=kins-tower"))
    rows = re.findall(r'<li class="srow[^"]*" data-session="([^"]+)"', page)
    assert rows == [
        "north-america-fda",
        "north-america-investment",
        "north-america-panel",
        "north-america-clinic",
    ]
    page = text(client.get("/schedule?day=2023-12-01&track=keynote"))
    assert re.findall(r'data-session="([^"]+)"', page) == ["keynote-ohno-machado"]


def test_schedule_marks_reconstructed_sessions(client):
    page = text(client.get("/schedule?lang=en&day=2023-11-29"))
    assert "reconstructed" in page
    opening = page[page.index('data-session="opening-ceremony"') :]
    assert "tag--reconstructed" not in opening[: opening.index("</li>")]


@pytest.mark.parametrize("url", ["/schedule?venue=moon", "/schedule?day=2024-01-01"])
def test_schedule_bad_filter_is_a_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400 and "<html" in text(response)


def test_session_page_shows_time_place_speakers_and_stream(client):
    page = text(client.get("/sessions/keynote-ohno-machado?lang=en"))
    assert "Lucila Ohno-Machado" in page
    assert "10:00–11:00" in page and "KST, UTC+9" in page
    assert "Healthcare Innovation Park" in page and "Hybrid" in page
    assert 'href="https://stream.example.com/sbic2023/keynote-ohno-machado"' in page
    assert "reconstructed" in page
    assert 'class="map-small map-frame"' in page


def test_online_session_page_has_no_map(client):
    page = text(client.get("/sessions/kosmi-online-terminology?lang=en"))
    assert "Online only" in page and "map-small" not in page


def test_venue_page_lists_rooms_and_what_is_on(client):
    page = text(client.get("/venues/kins-tower?lang=en"))
    assert "Auditorium" in page and "150 seats" in page
    assert "Now" in after(page, 'id="room-kins-7f-auditorium"', 1500)


def test_unknown_session_and_venue_are_404_pages(client):
    assert client.get("/sessions/nope").status_code == 404
    assert client.get("/venues/nope").status_code == 404


def test_text_from_data_is_escaped(make_app, event_files):
    def evil(program):
        program["sessions"][0]["title"]["en"] = "<img src=x onerror=alert(1)>"

    venues_path, program_path = event_files(edit_program=evil)
    client = make_app(VENUES_FILE=str(venues_path), PROGRAM_FILE=str(program_path)).test_client()
    for url in ("/schedule?lang=en", "/sessions/opening-ceremony?lang=en", "/?lang=en&at=2023-11-29T16:30"):
        page = text(client.get(url))
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page or "\\u003cimg src=x" in page


def test_vendored_leaflet_is_served_compressed_and_cacheable(client):
    response = client.get(
        "/vendor/leaflet.js?v=1.9.4", headers={"Accept-Encoding": "gzip, deflate, br, zstd"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert len(response.get_data()) < 60_000  # about 147 KB uncompressed
    again = client.get(
        "/vendor/leaflet.js?v=1.9.4",
        headers={"Accept-Encoding": "br", "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_static_files_are_compressed_too(client):
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    gzipped = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert len(gzipped.get_data()) < len(plain.get_data()) / 2
    assert client.get("/static/../webapp/config.py").status_code == 404
    assert client.get("/vendor/not-listed.js").status_code == 404
