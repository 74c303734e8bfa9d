"""A session page shows what an imported session says of itself: its subtitle, its abstract and
description as paragraphs, the long part folded, and any markup in them as the text it is."""

import lxml.html
import pytest

from tests.sources.conftest import imported_files
from webapp.program.session_text import paragraphs, session_text

KUBERNETES = "Hacking Containers and Kubernetes"
SPISPY = "spispy: SPI flash device emulation"


@pytest.fixture
def camp(make_app, tmp_path):
    """A test client for a real frab schedule (Chaos Communication Camp 2019) imported by the importer."""
    return make_app(**imported_files("frab-camp2019.json", tmp_path)).test_client()


def session_page(client, title: str, lang: str = "en"):
    """Return the parsed page of the session with this title."""
    found = client.get("/api/sessions", query_string={"q": title}).get_json()["sessions"]
    session = next(s for s in found if title in (s["title"].get("en") or s["title"].get("de") or ""))
    response = client.get(f"/sessions/{session['id']}?lang={lang}")
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(elements) -> list[str]:
    return [e.text_content() for e in elements]


def test_subtitle_abstract_and_description_show_as_paragraphs_the_long_part_folded(camp):
    page = session_page(camp, KUBERNETES)
    assert texts(page.xpath("//h1/following-sibling::p[@class='session__subtitle']")) == [
        "Exploiting and protecting containers with a few lines of scripting"
    ]
    about = page.xpath("//section[@class='session__about']")[0]
    shown = texts(about.xpath("./p"))
    assert shown == [
        "The talks shows the security model of Kubernetes and how to detect and fight security "
        "weaknesses with a few lines of scripting."
    ]
    folded = about.xpath("./details[@class='session__more']")
    assert folded and folded[0].get("open") is None  # closed until the reader opens it
    assert texts(folded[0].xpath("./summary")) == ["Read more"]
    rest = texts(folded[0].xpath("./p"))
    assert len(rest) == 3  # the description's three paragraphs (blank lines between them in the data)
    assert rest[0].startswith("Hidden under the hood of Kubernetes")
    assert rest[2].startswith("Finally, it is shown, how Istio has handled the bug report")


def test_markup_in_an_abstract_is_shown_as_text(camp):
    page = session_page(camp, SPISPY)
    about = page.xpath("//section[@class='session__about']")[0]
    assert about.xpath(".//a") == []  # the data's <a href> is not a link on our page
    assert (
        '<a href="https://github.com/osresearch/spispy">spispy</a> is an open source' in about.text_content()
    )
    assert texts(page.xpath("//p[@class='session__subtitle']")) == [
        "Open source tools for flash emulation and research"
    ]


def test_korean_page_folds_with_korean_words(camp):
    page = session_page(camp, KUBERNETES, lang="ko")
    assert texts(page.xpath("//details[@class='session__more']/summary")) == ["더 보기"]
    assert page.xpath("//section[@class='session__about']/@aria-label") == ["세션 소개"]


def test_embedded_session_without_abstract_has_no_empty_section(client):
    page = lxml.html.fromstring(
        client.get("/sessions/kosmi-nursing-informatics?lang=en").get_data(as_text=True)
    )
    assert page.xpath("//h1")
    assert page.xpath("//*[@class='session__subtitle']") == []
    assert page.xpath("//details[@class='session__more']") == []


def test_paragraphs_split_at_blank_lines_and_keep_line_breaks():
    assert paragraphs("One\r\ntwo\r\n\r\nThree\n \nFour\n\n\n") == ["One\ntwo", "Three", "Four"]
    assert paragraphs(None) == paragraphs("  ") == []


def test_a_short_text_is_shown_whole_and_a_repeated_description_once():
    short = session_text({"abstract": {"de": "Kurz."}, "description": {"de": "Kurz."}}, "en")
    assert short.shown == ("Kurz.",) and short.folded == ()
    long = session_text({"abstract": {"en": "\n\n".join(["x" * 250] * 4)}}, "en")
    assert long.shown == ("x" * 250,) and long.folded == ("x" * 250,) * 3
