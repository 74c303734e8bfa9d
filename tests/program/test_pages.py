"""Pages render what a visitor needs, in Korean or English, on any clock."""

import json
import re

import lxml.html
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
    # The venues are data for static/js/venue-map.js, not part of folium's script.
    assert "L.marker(" not in page
    data = json.loads(
        re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page).group(1)
    )
    assert len(data["venues"]) == 4
    assert [v["id"] for v in data["venues"] if v["approximate"]] == ["training-center"]


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


@pytest.mark.parametrize("url", ["/schedule?venue=moon", "/schedule?day=2024-01-01", "/schedule?room=moon"])
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


def test_the_icon_is_where_a_browser_looks_for_it_on_a_page_that_names_none(client):
    # An export opened in a tab (/schedule.json) has no <link rel="icon">: the browser asks /favicon.ico.
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data() == client.get("/static/favicon.svg").get_data()


def schedule_html(client, query: str):
    """Return the parsed /schedule page for query."""
    response = client.get(f"/schedule?{query}")
    assert response.status_code == 200
    return lxml.html.fromstring(text(response))


def hour_block(doc, hour: int):
    """Return the <details> of one hour on the schedule page."""
    (block,) = doc.xpath(f"//details[@data-hour='{hour}']")
    return block


def test_schedule_room_filter_keeps_only_that_rooms_sessions(client):
    doc = schedule_html(client, "lang=en&day=2023-11-30&room=kins-7f-auditorium")
    where = [w.text_content().strip() for w in doc.xpath("//*[@id='schedule-list']//*[@class='srow__where']")]
    assert len(where) == 3 and all(w == "KINS Tower · 7F Auditorium" for w in where), where
    (chosen,) = doc.xpath("//select[@id='filter-room']//option[@selected]")
    assert chosen.get("value") == "kins-7f-auditorium"


def test_schedule_room_list_follows_the_venue_and_a_room_of_another_venue_is_dropped(client):
    doc = schedule_html(client, "lang=en&day=2023-11-30&venue=training-center&room=kins-7f-auditorium")
    rooms = [o.get("value") for o in doc.xpath("//select[@id='filter-room']//option") if o.get("value")]
    assert rooms and all(r.startswith("training-center") for r in rooms), rooms
    where = {w.text_content().split(" · ")[0].strip() for w in doc.xpath("//*[@class='srow__where']")}
    assert where == {"Training Center"}


def test_schedule_folds_past_hours_and_opens_now_and_next(client):
    doc = schedule_html(client, "lang=en&day=2023-11-29&at=2023-11-29T14:10")
    assert hour_block(doc, 10).get("open") is None  # 10:00-12:00, all over at 14:10
    assert hour_block(doc, 11).get("open") is None
    still = hour_block(doc, 9)  # the exhibition runs till 18:00: a short day keeps it open
    assert still.get("open") is not None and "1 still on" in still.text_content()
    now = hour_block(doc, 14)
    assert now.get("id") == "now" and now.get("open") is not None
    assert now.xpath(".//*[@class='tag tag--now']")[0].text_content() == "Now"
    assert hour_block(doc, 15).get("open") is not None
    assert doc.get_element_by_id("jump-now").get("href") == "#now"


def test_schedule_now_jumps_to_the_next_hour_between_sessions(client):
    doc = schedule_html(client, "lang=en&day=2023-11-29&at=2023-11-29T12:20")
    (now,) = doc.xpath("//details[@id='now']")
    assert now.get("data-hour") == "13" and now.get("open") is not None
    assert now.xpath(".//*[@class='tag tag--now']")[0].text_content() == "Next"


def test_schedule_of_another_day_links_now_to_today(client):
    doc = schedule_html(client, "lang=en&day=2023-11-30&at=2023-11-29T14:10")
    assert not doc.xpath("//details[@id='now']")
    href = doc.get_element_by_id("jump-now").get("href")
    assert "day=2023-11-29" in href and href.endswith("#now")


def test_schedule_hours_and_the_now_link_are_in_korean(client):
    page = text(client.get("/schedule?lang=ko&day=2023-11-29&at=2023-11-29T14:10"))
    assert "지금으로 이동" in page and "전체 회의장" in page and "1개 진행 중" in page
