"""Times and words people read: Flask-Babel's formatting in the event's zone, the catalogue in each language."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from webapp.web.i18n import LANGUAGE_NAMES, clock_time, in_each_language, language_name, time_range

SEOUL = ZoneInfo("Asia/Seoul")


def test_times_read_in_the_events_zone_on_a_24_hour_clock(app):
    start = datetime(2023, 11, 29, 5, 0, tzinfo=UTC)  # 14:00 in Seoul
    with app.test_request_context("/?lang=ko"):
        assert clock_time(start, SEOUL) == "14:00"
        assert time_range(start, datetime(2023, 11, 29, 6, 30, tzinfo=UTC), SEOUL) == "14:00–15:30"
        assert clock_time(datetime(2023, 11, 29, 0, 5, tzinfo=SEOUL), SEOUL) == "00:05"


def test_catalogue_words_come_in_each_language(app):
    with app.test_request_context("/?lang=en"):
        words = in_each_language({"cancelled": _l("Cancelled"), "online": _l("Online")}, ("ko", "en"))
    assert words == {
        "cancelled": {"ko": "취소됨", "en": "Cancelled"},
        "online": {"ko": "온라인", "en": "Online"},
    }


def test_a_language_is_named_in_the_page_language_and_the_switch_names_each_in_its_own():
    assert [language_name(code, "ko") for code in ("ko", "en", "de")] == ["한국어", "영어", "독일어"]
    assert [language_name(code, "en") for code in ("ko", "en", "de", "pt-br")] == [
        "Korean",
        "English",
        "German",
        "Portuguese",
    ]
    assert language_name("qq", "en") == "qq" and language_name("de", "not a locale") == "de"
    assert LANGUAGE_NAMES == {"ko": "한국어", "en": "English"}
