"""Search: /api/sessions?q= and /schedule?q= in Korean and German, ranked, combined with filters, marked."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from tests.sources.conftest import imported_files
from webapp.program.search import build_index, find_speakers, search


@pytest.fixture
def camp(make_app, tmp_path):
    """The app serving a real German/English schedule (Chaos Communication Camp 2019) through the importer."""
    return make_app(**imported_files("frab-camp2019.json", tmp_path))


def titles(answer: dict) -> list[str]:
    return [s["title"].get("de") or s["title"]["en"] for s in answer["sessions"]]


def shown_titles(page: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r'class="srow__title"[^>]*>(.*?)</a>', page)
    ]


def test_korean_matches_without_spaces_and_parts_of_words(client):
    for q in ("간호정보학", "간호 정보학", "간호정"):
        answer = client.get("/api/sessions", query_string={"q": q}).get_json()
        assert answer["count"] == 1 and answer["sessions"][0]["id"] == "kosmi-nursing-informatics", q
    # 정보학 is in the title of one session and in the track (대한의료정보학회) of many: the title first
    answer = client.get("/api/sessions", query_string={"q": "정보학"}).get_json()
    assert answer["count"] > 1 and answer["sessions"][0]["id"] == "kosmi-nursing-informatics"
    # "의료데이터" is written with and without a space in the titles: both are found
    found = {s["id"] for s in client.get("/api/sessions?q=의료데이터").get_json()["sessions"]}
    assert {"medical-data-platform", "medical-data-hospitals", "medical-data-panel"} <= found


def test_titles_rank_before_speakers_tracks_and_rooms(client):
    answer = client.get("/api/sessions", query_string={"q": "기조"}).get_json()
    # the track 기조강연 matches both keynotes; nothing has it in its title
    assert {s["id"] for s in answer["sessions"]} >= {"keynote-park-hyun-young", "keynote-ohno-machado"}
    answer = client.get("/api/sessions", query_string={"q": "박현영"}).get_json()
    assert [s["id"] for s in answer["sessions"]] == ["keynote-park-hyun-young"]  # a speaker's name
    answer = client.get("/api/sessions", query_string={"q": "AI"}).get_json()
    ids = [s["id"] for s in answer["sessions"]]
    first_title = answer["sessions"][0]["title"]
    assert "AI" in first_title["ko"] or "AI" in first_title["en"]
    assert len(ids) == len(set(ids)) > 3


def test_search_combines_with_the_filters_and_pages(client):
    everything = client.get("/api/sessions?q=온라인").get_json()
    online = {s["id"] for s in everything["sessions"]}
    assert len(online) >= 4
    one_day = client.get("/api/sessions?q=온라인&day=2023-11-30").get_json()
    assert {s["id"] for s in one_day["sessions"]} < online
    assert all(s["start"].startswith("2023-11-30") for s in one_day["sessions"])
    page = client.get("/api/sessions?q=온라인&limit=2&offset=1").get_json()
    assert page["count"] == everything["count"] and len(page["sessions"]) == 2
    assert [s["id"] for s in page["sessions"]] == [s["id"] for s in everything["sessions"]][1:3]
    room = client.get("/api/sessions?q=세션&room=hip-seminar-room-b").get_json()
    assert [s["room"] for s in room["sessions"]] == ["hip-seminar-room-b"] * room["count"]


def test_a_bad_query_is_a_400_with_the_error_shape(client):
    answer = client.get("/api/sessions", query_string={"q": "x" * 201})
    assert answer.status_code == 400 and answer.get_json()["error"] == "bad_parameter"
    assert client.get("/api/sessions?q=%20%20").get_json()["count"] == 50  # blank: no search


def test_german_umlauts_match_as_written_and_as_ae_oe_ue(camp):
    client = camp.test_client()
    for q in ("Überwachung", "ueberwachung", "uberwachung", "UEBERWACHUNGSSTANDARDS"):
        assert "Die 5G-Überwachungsstandards" in titles(
            client.get("/api/sessions", query_string={"q": q}).get_json()
        ), q
    assert titles(client.get("/api/sessions?q=oekologischen").get_json())[0].startswith(
        "Aufstand oder Aussterben"
    )
    # a speaker with an accent, found without it; his two talks
    assert titles(client.get("/api/sessions?q=marc-andre").get_json()) == ["20 Jahre Camp"]
    assert len(client.get("/api/sessions?q=moechel").get_json()["sessions"]) == 2


def test_the_schedule_page_searches_every_day_and_marks_what_matched(camp):
    client = camp.test_client()
    page = client.get("/schedule?q=überwachung&lang=en").get_data(as_text=True)
    assert shown_titles(page)[:2] == [
        "Die 5G-Überwachungsstandards",
        "Neue europäische Überwachungslandschaft",
    ]
    assert "Die 5G-<mark>Überwachung</mark>sstandards" in page
    assert 'value="überwachung"' in page  # the field keeps the query
    # text from the data is never markup: a query with markup comes back as text
    page = client.get("/schedule", query_string={"q": "<b>camp</b>", "lang": "en"}).get_data(as_text=True)
    assert "<b>camp</b>" not in page and "&lt;b&gt;camp&lt;/b&gt;" in page


def test_korean_schedule_search_marks_across_the_space(client):
    page = client.get("/schedule?q=간호정보&lang=ko").get_data(as_text=True)
    assert shown_titles(page) == ["간호정보학 세션"]
    assert "<mark>간호정보</mark>학 세션" in page
    page = client.get("/schedule?q=간호정보&day=2023-11-29&lang=ko").get_data(as_text=True)
    assert shown_titles(page) in ([], ["간호정보학 세션"])
    assert "세션 없음" not in page


def test_the_index_is_built_from_the_event_and_ranks_pure(app):
    index = build_index(app.extensions["event"])
    sessions = [(s.id, s.room) for s in app.extensions["event"].program.sessions]
    hits = search(index, "미래", sessions)
    assert hits and hits == sorted(hits, key=lambda h: -h.score)
    assert all(h.score >= 8 for h in hits if h.session_id == "dentistry-keynote")  # in its title
    assert search(index, "", sessions) == []
    assert [sp.label("ko") for sp in find_speakers(index, "박현", "ko")] == ["박현영"]


def test_a_session_staff_added_is_found_too(app):
    from webapp.live.changes import apply_change

    client = app.test_client()
    assert client.get("/api/sessions", query_string={"q": "Notfallsprechstunde"}).get_json()["count"] == 0
    new = {
        "id": "pop-up", "title": {"ko": "긴급 상담 Notfallsprechstunde", "en": "Pop-up Notfallsprechstunde"},
        "track": "north-america", "speakers": [{"name": {"en": "Jürgen Müller"}}],
        "start": "2023-11-30T13:45:00+09:00", "end": "2023-11-30T15:00:00+09:00", "venue": "kins-tower",
        "room": "kins-7f-meeting-room", "mode": "in_person", "stream_url": None, "language": "ko",
        "provenance": "sourced",
    }  # fmt: skip
    with app.app_context():
        apply_change({"kind": "add", "new_session": new, "allow_clash": True}, by="bob")
    for q in ("notfallsprech", "긴급상담", "juergen mueller"):
        answer = client.get("/api/sessions", query_string={"q": q}).get_json()
        assert [s["id"] for s in answer["sessions"]] == ["pop-up"], q
    page = client.get("/schedule", query_string={"q": "Notfallsprechstunde", "lang": "en"}).get_data(
        as_text=True
    )
    assert shown_titles(page) == ["Pop-up Notfallsprechstunde"]


@pytest.fixture
def congress(make_app, tmp_path):
    """The generated 1,000-session congress (bench/big_event.py), where one word matches hundreds."""
    from bench.big_event import EVENT_NOW, write_event

    venues_file, program_file = write_event(tmp_path / "big", venues=1)
    return make_app(VENUES_FILE=str(venues_file), PROGRAM_FILE=str(program_file), EVENT_NOW=EVENT_NOW)


def row_ids(page: str) -> list[str]:
    return re.findall(r'<li class="srow[^"]*" data-session="([^"]+)"', page)


def test_a_broad_search_shows_its_matches_a_page_at_a_time(congress):
    client = congress.test_client()
    best = client.get("/api/sessions", query_string={"q": "kernel"}).get_json()
    count = best["count"]
    assert count > 100 and len(best["sessions"]) == 100  # the API's search page: the best 100
    after = client.get("/api/sessions", query_string={"q": "kernel", "offset": 100, "limit": 100}).get_json()
    best_ids = [s["id"] for s in best["sessions"] + after["sessions"]]
    refused = client.get("/api/sessions", query_string={"q": "kernel", "limit": 101})
    assert refused.status_code == 400 and "at most 100" in refused.get_json()["message"]

    first = client.get("/schedule?q=kernel&lang=en").get_data(as_text=True)
    second = client.get("/schedule?q=kernel&lang=en&page=2").get_data(as_text=True)
    assert row_ids(first) + row_ids(second) == best_ids[:100]  # the same order as the API's
    assert f"Matches 1–50 of {count}, the best first" in first
    assert f"Matches 51–100 of {count}, the best first" in second
    assert (
        'href="/schedule?q=kernel&amp;lang=en&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    )
    assert 'href="/schedule?q=kernel&amp;lang=en" rel="prev"' in second
    assert 'href="/schedule?q=kernel&amp;lang=en&amp;page=3" rel="next"' in second
    # Past the last page (a filter narrowed it since): the last page, without "more".
    last = client.get("/schedule?q=kernel&lang=ko&page=999").get_data(as_text=True)
    shown = count - (count - 1) // 50 * 50
    assert len(row_ids(last)) == shown and 'rel="next"' not in last
    assert f"검색 결과 {count}개 중 {count - shown + 1}–{count}번째" in last
    # A day picked starts from the best matches again.
    assert re.search(r'href="/schedule\?q=kernel&amp;lang=ko&amp;day=[0-9-]+"', last)


def test_a_search_after_a_change_shows_the_session_as_changed(app):
    """Results are kept between searches (webapp/program/viewcache.py) but never outlive a change."""
    from webapp.live.changes import apply_change

    client = app.test_client()

    def found() -> dict:
        return client.get("/api/sessions", query_string={"q": "investment"}).get_json()["sessions"][0]

    def row() -> str:
        page = client.get("/schedule", query_string={"q": "investment", "lang": "en"}).get_data(as_text=True)
        return re.search(
            r'<li class="[^"]*" data-session="north-america-investment".*?</li>', page, re.S
        ).group(0)

    before = found()
    assert before["room"] == "kins-7f-auditorium" and "7F Auditorium" in row()
    with app.app_context():
        apply_change(
            {"kind": "move", "session": before["id"], "room": "hip-seminar-room-a", "allow_clash": True},
            by="bob",
        )
        apply_change({"kind": "cancel", "session": before["id"], "reason": "Speaker unwell"}, by="bob")
    after = found()
    assert (after["room"], after["status"], after["version"]) == (
        "hip-seminar-room-a",
        "cancelled",
        before["version"] + 2,
    )
    shown = row()
    assert "Seminar Room A" in shown and "srow--cancelled" in shown and "Speaker unwell" in shown


def test_a_search_page_shows_the_announcements_of_the_moment(app, monkeypatch):
    """The announcements are read once per seq for every page at it; a retraction or an expiry still shows."""
    from webapp.live.changes import apply_change

    client = app.test_client()
    pages = iter(range(100))

    def shown() -> list[str]:
        # Each a new search (a new URL): what the page cache keeps is not what is tested here.
        page = client.get("/schedule", query_string={"q": f"kernel {next(pages)}", "lang": "en"})
        part = re.search(r'<ul class="announcements".*?</ul>', page.get_data(as_text=True), re.S).group(0)
        return [unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li.*?</li>", part, re.S)]

    now = datetime.now(UTC)
    expires = now + timedelta(hours=1)  # far enough that a busy machine cannot reach it mid-test
    with app.app_context():
        apply_change(
            {"kind": "announce", "text": {"en": "Shuttle leaving"}, "expires_at": expires.isoformat()},
            by="bob",
            now=now - timedelta(minutes=5),
        )
    assert shown() == ["Shuttle leaving"]
    with app.app_context():
        lunch = apply_change(
            {"kind": "announce", "text": {"en": "Lunch"}, "expires_in_minutes": 30}, by="bob"
        )
    assert shown() == ["Lunch", "Shuttle leaving"]
    with app.app_context():
        apply_change({"kind": "retract", "announcement": lunch.announcement_id}, by="bob")
    assert shown() == ["Shuttle leaving"]

    class AfterExpiry(datetime):  # the page's clock past the expiry, not a change: the seq stays
        @classmethod
        def now(cls, tz=None):
            return expires + timedelta(seconds=1)

    monkeypatch.setattr("webapp.program.templating.datetime", AfterExpiry)
    assert shown() == []
