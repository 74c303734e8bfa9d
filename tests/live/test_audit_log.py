"""One log line per committed change, saying its seq, kind and who made it; none for a refused one."""

import logging

import pytest

from webapp.live.changes import ChangeError, apply_change


def change_lines(caplog):
    return [r for r in caplog.records if r.name == "webapp.live.audit_log"]


def test_each_committed_change_logs_one_line_with_seq_kind_and_by(app, caplog):
    caplog.set_level(logging.INFO, logger="webapp.live.audit_log")
    with app.app_context():
        apply_change({"kind": "cancel", "session": "ivd-panel", "reason": "Speaker ill"}, by="alice")
        apply_change({"kind": "room_status", "room": "kins-7f-auditorium", "status": "full"}, by="bob")
    lines = change_lines(caplog)
    assert [r.getMessage() for r in lines] == [
        "change seq=1 kind=cancel by=alice about=ivd-panel",
        "change seq=2 kind=room_status by=bob about=kins-7f-auditorium",
    ]
    assert (lines[1].seq, lines[1].kind, lines[1].by) == (2, "room_status", "bob")  # for JSON formatters


def test_a_refused_change_logs_no_change_line(app, caplog):
    caplog.set_level(logging.INFO, logger="webapp.live.audit_log")
    with app.app_context(), pytest.raises(ChangeError):
        apply_change({"kind": "cancel", "session": "no-such-session"}, by="alice")
    assert change_lines(caplog) == []
