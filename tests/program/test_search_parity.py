"""The browser's search (static/js/search.js) folds, matches, ranks and marks as the server's does."""

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, require_service
from webapp.program import search

TEXTS = [
    "Die 5G-Überwachungsstandards",
    "Aufstand oder Aussterben? Ein Vortrag über die Klimakrise, ökologischen Kollaps",
    "Straße, STRASSE, Großes Ärgernis",
    "Marc-André Janizewski",
    "Ｆｕｌｌ-width ＡＢＣ １２３",
    "간호정보학 세션: 디지털 헬스케어의 미래",
    "2023 성남 바이오헬스 국제 컨벤션 · 기조강연",
    "Café crème, naïve coöperation, Ångström",
    "Ελληνικά ΣΟΦΙΑ",
    "  spaces\tand\nlines  ",
    "Tutorial: health data interoperability - with  HL7 FHIR",
    "<script>alert(1)</script> & Co.",
    "",
]
QUERIES = [
    "ueberwachung",
    "über",
    "muller",
    "STRASSE",
    "간호 정보",
    "간호정보학",
    "andre",
    "cafe creme",
    "abc 12",
    "σοφια",
    "<script>",
]


def run_node(script: str) -> object:
    node = shutil.which("node")
    if node is None:
        require_service("node is not installed")
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def browser_answers() -> dict:
    """Return what search.js answers for TEXTS and QUERIES, run by Node."""
    script = f"""
        import * as s from "./static/js/search.js";
        const texts = {json.dumps(TEXTS)}, queries = {json.dumps(QUERIES)};
        console.log(JSON.stringify({{
            ae: texts.map((t) => s.fold(t)),
            a: texts.map((t) => s.fold(t, "a")),
            spaced: texts.map((t) => s.fold(t, "a", true)),
            mapped: texts.map((t) => s.foldMapped(t)),
            mappedSpaced: texts.map((t) => s.foldMapped(t, "ae", true)),
            terms: queries.map((q) => s.queryTerms(q)),
            spans: queries.map((q) => texts.map((t) => s.matchSpans(t, q))),
        }}));
    """
    return run_node(script)


def test_folding_is_the_same_in_the_browser(browser_answers):
    assert browser_answers["ae"] == [search.fold(t) for t in TEXTS]
    assert browser_answers["a"] == [search.fold(t, "a") for t in TEXTS]
    assert browser_answers["mapped"] == [
        {"folded": f, "where": w} for f, w in (search.fold_mapped(t) for t in TEXTS)
    ]
    assert browser_answers["spaced"] == [search.fold(t, "a", spaces=True) for t in TEXTS]
    assert browser_answers["mappedSpaced"] == [
        {"folded": f, "where": w} for f, w in (search.fold_mapped(t, spaces=True) for t in TEXTS)
    ]
    assert browser_answers["terms"] == [search.query_terms(q) for q in QUERIES]


def test_marks_fall_on_the_same_letters(browser_answers):
    expected = [[[list(span) for span in search.match_spans(t, q)] for t in TEXTS] for q in QUERIES]
    assert browser_answers["spans"] == expected
    # and they are where a reader expects them
    assert str(search.highlight(TEXTS[0], "ueberwachung")) == "Die 5G-<mark>Überwachung</mark>sstandards"
    assert (
        str(search.highlight(TEXTS[5], "간호 정보")) == "<mark>간호정보</mark>학 세션: 디지털 헬스케어의 미래"
    )
    # a text from anyone stays text, marked or not, and every mark of a word shows
    assert str(search.highlight(TEXTS[11], "script co")) == (
        "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; &amp; <mark>Co</mark>."
    )


def test_folding_finds_german_and_korean_spellings():
    assert search.fold("Müller") == search.fold("Mueller") == "mueller"
    assert search.fold("Straße") == search.fold("STRASSE") == "strasse"
    assert search.fold("Marc-André") == "marcandre"
    assert search.fold("간호 정보학") == "간호정보학"
    # the mapped folding (for marks) and the fast one (for the index) agree
    assert all(search.fold_mapped(t)[0] == search.fold(t) for t in TEXTS)
    assert all(search.fold_mapped(t, spaces=True)[0] == search.fold(t, spaces=True) for t in TEXTS)
    # Latin words do not match across a space ("data interop" has no "ai"); Korean ones do
    assert search.match_spans("health data interoperability", "ai") == []
    assert search.match_spans("간호 정보학", "간호정보") == [(0, 5)]


def test_ranking_is_the_same_in_the_browser(app):
    """Search the embedded event's sessions (as /api/sessions sends them) in Node and on the server."""
    client = app.test_client()
    sessions = client.get("/api/sessions").get_json()["sessions"]
    event = app.extensions["event"]
    index = search.index_for(event)
    queries = ["간호", "정보학", "바이오", "heal", "AI", "기조", "세션 미래", "digital health"]
    script = f"""
        import * as s from "./static/js/search.js";
        const sessions = {json.dumps(sessions, ensure_ascii=False)};
        const names = {json.dumps(index.names, ensure_ascii=False)};
        const indexed = sessions.map((x) => s.indexSession(x, names));
        console.log(JSON.stringify({json.dumps(queries, ensure_ascii=False)}.map((q) => s.search(indexed, q, names))));
    """
    in_browser = run_node(script)
    on_server = [
        [
            {"id": h.session_id, "score": h.score}
            for h in search.search(index, q, ((s["id"], s["room"]) for s in sessions))
        ]
        for q in queries
    ]
    assert in_browser == on_server
    assert any(on_server), "the queries find something in the embedded event"
