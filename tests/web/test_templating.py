"""Template helpers: a session's languages read in their own names."""

from webapp.web.templating import language_label


def test_languages_read_in_their_own_names():
    assert language_label("ko") == "한국어"
    assert language_label("ko-en") == "한국어 / English"
    assert language_label("de, en") == "Deutsch / English"
    assert language_label("zz-unknown") == "zz / unknown"
