"""Speakers: the list, a page each with their sessions, linked from every session; the API's view of them."""

import re

import pytest

from tests.program.test_search import camp  # noqa: F401  (the imported German/English event)


def test_the_embedded_events_speakers_are_listed_and_searchable_in_korean(client):
    page = client.get("/speakers?lang=ko").get_data(as_text=True)
    assert "박현영" in page and "루실라 오노-마차도" in page
    found = client.get("/speakers?q=오노마차도&lang=ko").get_data(as_text=True)
    assert "<mark>오노-마차도</mark>" in found and "박현영" not in found
    answer = client.get("/api/speakers?q=박현").get_json()
    assert answer["count"] == 1 and answer["speakers"][0]["name"]["ko"] == "박현영"
    assert answer["speakers"][0]["sessions"] == ["keynote-park-hyun-young"]


def test_a_speaker_page_lists_their_sessions_and_sessions_link_back(client):
    speaker = client.get("/api/speakers?q=박현영").get_json()["speakers"][0]
    page = client.get(f"/speakers/{speaker['id']}?lang=en").get_data(as_text=True)
    assert "<h1>Park Hyun-Young</h1>" in page and "Korea National Institute of Health" in page
    assert 'href="/sessions/keynote-park-hyun-young"' in page
    session = client.get("/sessions/keynote-park-hyun-young?lang=ko").get_data(as_text=True)
    assert f'href="/speakers/{speaker["id"]}"' in session
    schedule = client.get("/schedule?day=2023-11-30&lang=ko").get_data(as_text=True)
    assert f'<a href="/speakers/{speaker["id"]}">' in schedule  # the session row links the speaker too


def test_speaker_ids_are_the_sources_person_ids(camp):  # noqa: F811
    client = camp.test_client()
    answer = client.get("/api/speakers?q=moechel").get_json()
    assert [(s["id"], s["name"]["en"]) for s in answer["speakers"]] == [("5097", "Erich Moechel")]
    detail = client.get("/api/speakers/5097").get_json()
    assert [s["title"]["en"] for s in detail["sessions"]] == [
        "Die 5G-Überwachungsstandards",
        "75 Jahre Journalismus im WWW",
    ] or len(detail["sessions"]) == 2
    assert all(any(sp["speaker"] == "5097" for sp in s["speakers"]) for s in detail["sessions"]), (
        "each session names him by the same id"
    )
    page = client.get("/speakers?q=marc-andre&lang=en").get_data(as_text=True)
    assert re.search(r"<mark>Marc-André</mark> Janizewski", page)


def test_an_unknown_speaker_is_a_404(client):
    answer = client.get("/api/speakers/nobody")
    assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    assert client.get("/speakers/nobody?lang=en").status_code == 404


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_speaker_list_in_both_languages(client, lang):
    page = client.get(f"/speakers?lang={lang}").get_data(as_text=True)
    assert {"ko": "연사", "en": "Speakers"}[lang] in page


def test_the_speakers_of_a_session_staff_added_are_listed_like_the_imported(app):
    from webapp.live.changes import apply_change

    client = app.test_client()
    park = client.get("/api/speakers?q=박현영").get_json()["speakers"][0]
    assert client.get("/api/speakers?q=juergen").get_json()["count"] == 0
    assert "Jürgen Müller" not in client.get("/speakers?lang=en").get_data(as_text=True)  # cached at this seq
    new = {
        "id": "pop-up", "title": {"ko": "긴급 상담", "en": "Pop-up clinic"}, "track": "north-america",
        "speakers": [{"name": {"en": "Jürgen Müller"}, "affiliation": {"en": "Charité"}},
                     {"name": {"ko": "박현영", "en": "Park Hyun-Young"}}],
        "start": "2023-11-30T13:45:00+09:00", "end": "2023-11-30T15:00:00+09:00", "venue": "kins-tower",
        "room": "kins-7f-meeting-room", "mode": "in_person", "stream_url": None, "language": "ko",
        "provenance": "sourced",
    }  # fmt: skip
    with app.app_context():
        apply_change({"kind": "add", "new_session": new, "allow_clash": True}, by="bob")

    listed = client.get("/speakers?lang=en").get_data(as_text=True)
    [speaker_id] = re.findall(r'<a href="/speakers/([^"]+)">Jürgen Müller</a>', listed)
    assert "Charité" in listed
    found = client.get("/speakers?q=mueller&lang=en").get_data(as_text=True)
    assert "<mark>Müller</mark>" in found
    page = client.get(f"/speakers/{speaker_id}?lang=en").get_data(as_text=True)
    assert "<h1>Jürgen Müller</h1>" in page and 'href="/sessions/pop-up"' in page
    detail = client.get(f"/api/speakers/{speaker_id}").get_json()
    assert [s["id"] for s in detail["sessions"]] == ["pop-up"]
    # A speaker of the files who also speaks at the added session has both, in start order.
    both = client.get(f"/api/speakers/{park['id']}").get_json()
    assert [s["id"] for s in both["sessions"]] == ["keynote-park-hyun-young", "pop-up"]
    assert client.get("/api/speakers?q=박현영").get_json()["speakers"][0]["sessions"] == [
        "keynote-park-hyun-young",
        "pop-up",
    ]
    # The session's own page links to the speaker's.
    assert f'href="/speakers/{speaker_id}"' in client.get("/sessions/pop-up?lang=en").get_data(as_text=True)
