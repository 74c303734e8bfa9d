"""The streams page (/live) shows what a person online needs."""

import re
from datetime import datetime

from tests.program.pagetext import change, group, text
from webapp.program.queries import list_sessions
from webapp.program.streams import stream_groups

# --- /live ------------------------------------------------------------------------------------------


def test_live_lists_hybrid_and_online_sessions_on_now_and_next(client):
    page = text(client.get("/live?lang=en"))
    assert "Seongnam medical data platform" in group(page, "on_now")  # hybrid, 10:00-11:30
    upcoming = group(page, "next")
    assert "clinical terminologies" in upcoming  # online only, 11:00
    assert 'data-session="kosmi-online-terminology"' in upcoming
    terminology = upcoming[upcoming.index('data-session="kosmi-online-terminology"') :]
    assert '<span class="wcard__where" data-field="where">Online</span>' in terminology
    assert "Keynote" not in group(page, "on_now")
    assert 'data-session="exhibition-day1"' not in page  # in person only
    assert "Nothing is streaming live right now." in page


def test_live_shows_a_session_as_live_after_staff_mark_it(app, client):
    change(app, {"kind": "stream_status", "session": "medical-data-platform", "status": "live"})
    page = text(client.get("/live?lang=en"))
    live = group(page, "live")
    assert 'data-session="medical-data-platform" data-stream="live"' in live
    assert '<span class="badge badge--live" data-field="stream">Live</span>' in live
    assert 'data-session="medical-data-platform"' not in group(page, "on_now")


def test_stream_links_open_in_a_new_tab_and_no_player_loads_before_a_click(app, client):
    change(
        app,
        {
            "kind": "stream_status",
            "session": "kosmi-online-terminology",
            "status": "live",
            "stream_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
    )
    page = text(client.get("/live?lang=en"))
    assert "youtube-nocookie" not in page and "<iframe" not in page
    for link in re.findall(r'<a class="button wcard__join"[^>]*>', page):
        assert 'target="_blank"' in link and 'rel="noopener noreferrer"' in link
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in page  # the link itself, not an embed
    assert re.search(r'<script type="module" src="/static/js/watch.js', page)


def test_stream_groups_put_live_first_and_keep_the_rest(app):
    event = app.extensions["event"]
    now = datetime.fromisoformat("2023-11-29T10:30:00+09:00")
    change(app, {"kind": "stream_status", "session": "kosmi-online-phr", "status": "live"})
    with app.app_context():
        groups = stream_groups(list_sessions(event.tz), now, event.tz)
        assert [s.id for s in groups.live] == ["kosmi-online-phr"]
        assert [s.id for s in groups.on_now] == ["medical-data-platform"]
        assert groups.next[0].id == "kosmi-online-terminology"
        everything = groups.live + groups.on_now + groups.next + groups.rest
        assert all(s.mode in ("online", "hybrid") for s in everything)
        assert len({s.id for s in everything}) == len(everything)
