"""Pages rendered once per (data version, seq, language, minute, query), never claiming a seq they lack."""

import gzip
import json
import re

import brotli
import pytest

from webapp.live.changes import apply_change
from webapp.live.log import head_seq
from webapp.program import pages
from webapp.web import pagecache

FULL = {"kind": "room_status", "room": "hip-future-hall", "status": "full"}


def live_seq(html: str) -> int:
    """Return the seq a page says it reflects (the live data its script starts from)."""
    found = re.search(r'<script type="application/json" id="live-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))["seq"]


@pytest.fixture
def fresh_seq(monkeypatch):
    """Read the log's head on every request, as if each came after SEQ_TTL."""
    monkeypatch.setattr(pagecache, "SEQ_TTL", -1)


@pytest.mark.parametrize("path", ["/", "/schedule"])
def test_a_change_committed_while_a_page_renders_is_not_counted_as_applied(
    app, client, monkeypatch, fresh_seq, path
):
    before = client.get(path).get_data(as_text=True)
    start = live_seq(before)
    real = pages.list_sessions

    changed = []

    def sessions_then_a_staff_change(*args, **kwargs):
        found = real(*args, **kwargs)
        if not changed:  # committed after the page first read its sessions (a page may read them twice)
            changed.append(apply_change(dict(FULL), by="alice"))
        return found

    monkeypatch.setattr(pages, "list_sessions", sessions_then_a_staff_change)
    page = client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
    with app.app_context():
        assert head_seq() == start + 1
    # The page lacks the change, so it must claim the seq before it: its socket then sends the change.
    assert live_seq(page) == start


def test_the_same_page_is_rendered_once_until_the_seq_changes(app, client, monkeypatch, fresh_seq):
    renders = []
    real = pages.list_sessions
    monkeypatch.setattr(pages, "list_sessions", lambda *a, **k: renders.append(1) or real(*a, **k))
    first = client.get("/schedule")
    per_render = len(renders)  # the page reads its sessions once or more in one rendering
    second = client.get("/schedule")
    assert per_render >= 1 and second.get_data() == first.get_data() and len(renders) == per_render
    with app.app_context():
        apply_change(dict(FULL), by="alice")
    third = client.get("/schedule")
    assert len(renders) == 2 * per_render
    assert live_seq(third.get_data(as_text=True)) == live_seq(first.get_data(as_text=True)) + 1


def test_a_cached_page_is_sent_compressed_with_an_etag_and_304_when_unchanged(client):
    first = client.get("/", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br" and first.headers["ETag"]
    again = client.get("/", headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_one_rendering_is_sent_in_each_encoding_a_browser_asks_for(client, monkeypatch):
    compressed = []
    for name, compress in dict(pagecache.COMPRESS).items():
        monkeypatch.setitem(
            pagecache.COMPRESS, name, lambda body, c=compress, n=name: compressed.append(n) or c(body)
        )
    plain = client.get("/schedule", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and compressed == []  # nobody asked for a compressed one
    answers = {
        e: client.get("/schedule", headers={"Accept-Encoding": e}) for e in ("br", "gzip", "br", "gzip")
    }
    assert compressed == ["br", "gzip"]  # each encoding compressed once, when first asked for
    assert brotli.decompress(answers["br"].get_data()) == plain.get_data()
    assert gzip.decompress(answers["gzip"].get_data()) == plain.get_data()
    assert len({plain.headers["ETag"], answers["br"].headers["ETag"], answers["gzip"].headers["ETag"]}) == 3


def test_each_language_and_query_is_its_own_page(client):
    english = client.get("/schedule", query_string={"lang": "en"}).get_data(as_text=True)
    korean = client.get("/schedule", query_string={"lang": "ko"}).get_data(as_text=True)
    assert english != korean
    assert 'lang="ko"' in korean and 'lang="en"' in english


def test_a_change_this_process_commits_shows_on_its_next_page_at_once(app, client):
    """Without waiting out SEQ_TTL: staff who post and reload see their own change."""
    first = live_seq(client.get("/schedule").get_data(as_text=True))
    with app.app_context():
        apply_change(dict(FULL), by="alice")
    assert live_seq(client.get("/schedule").get_data(as_text=True)) == first + 1
