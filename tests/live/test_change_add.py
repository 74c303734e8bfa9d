"""Adding a session (a followed schedule's new release has it): written and published, or refused whole."""

import copy
import json

import pytest

from tests.conftest import ROOT
from tests.live.test_changes import NOW, published  # noqa: F401 (the fixture: what apply_change publishes)
from webapp.extensions import db
from webapp.live.changes import ChangeError, apply_change
from webapp.live.log import head_seq
from webapp.models import Session

GMP = next(s for s in json.loads((ROOT / "program.json").read_text())["sessions"] if s["id"] == "gmp-audit")


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def new_session(**fields) -> dict:
    return {"kind": "add", "new_session": copy.deepcopy(GMP) | {"id": "gmp-audit-2"} | fields}


def test_an_added_session_is_written_and_published(in_app, published):  # noqa: F811
    added = apply_change(new_session(), by="alice", now=NOW)
    stored = db.session.get(Session, "gmp-audit-2")
    assert stored is not None and stored.status == "scheduled" and stored.room_id == GMP["room"]
    assert (added.kind, added.seq, added.before) == ("add", 1, None)
    assert published == [("change", {k: v for k, v in added.to_dict().items() if k != "by"})]


def test_adding_a_session_whose_id_is_taken_is_a_409_and_changes_nothing(in_app, published):  # noqa: F811
    before = db.session.get(Session, "gmp-audit").title_en
    with pytest.raises(ChangeError) as refused:
        apply_change(new_session(id="gmp-audit", title={"en": "Another"}), by="alice", now=NOW)
    assert refused.value.status == 409 and "already a session 'gmp-audit'" in str(refused.value)
    db.session.expire_all()
    assert db.session.get(Session, "gmp-audit").title_en == before
    assert head_seq() == 0 and published == []
