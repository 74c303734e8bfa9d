"""A localized text reads in the asked language, else the event's languages in order, else any."""

import pytest

from webapp.localized import event_languages, in_every_language, pick
from webapp.program.eventdata import Localized


@pytest.mark.parametrize(
    ("text", "lang", "langs", "shown"),
    [
        ({"ko": "기조연설", "en": "Keynote"}, "en", ("ko", "en"), "Keynote"),
        ({"ko": "기조연설", "en": "Keynote"}, "ko", ("ko", "en"), "기조연설"),
        ({"ko": "기조연설"}, "en", ("ko", "en"), "기조연설"),
        ({"de": "Eröffnung", "en": "Opening"}, "ko", ("de", "en"), "Eröffnung"),
        ({"de": "", "en": "Opening"}, "de", ("de", "en"), "Opening"),
        ({"fr": "Ouverture"}, "en", ("de", "en"), "Ouverture"),
        (None, "en", ("ko", "en"), ""),
        ({}, "en", ("ko", "en"), ""),
    ],
)
def test_pick_falls_back_to_the_events_languages_then_any(text, lang, langs, shown):
    assert pick(text, lang, langs) == shown


def test_pick_reads_the_data_files_localized_text():
    assert pick(Localized(ko="판교", en="Pangyo"), "en") == "Pangyo"


def test_every_language_shows_each_wording_once():
    assert in_every_language({"ko": "판교", "en": "Pangyo"}) == "판교 / Pangyo"
    assert in_every_language({"ko": "SBIC", "en": "SBIC"}) == "SBIC"
    assert in_every_language({"en": "Opening"}, ("de", "en"), sep="\n") == "Opening"
    assert in_every_language(None) == ""


def test_the_default_event_speaks_korean_then_english(app):
    assert event_languages(app.extensions["event"]) == ("ko", "en")
