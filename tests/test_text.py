"""The one rule for text from anyone: which characters text and one-line values may hold, and URLs."""

import json
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from webapp.text import (
    LINE,
    TEXT,
    DuplicateKeyError,
    bad_character,
    check_text,
    check_url,
    clean_text,
    unique_keys,
    url_rule,
)

# Every character the rule refuses in any text: C0 but tab, LF and CR; DEL; C1; lone surrogates; U+FFFE/F.
NOT_TEXT = [
    *(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"),
    *(chr(c) for c in range(0x7F, 0xA0)),
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
]
# Allowed in text that runs over lines, refused in one line.
LINE_BREAKS = ["\t", "\n", "\r", "\u2028", "\u2029"]


class Form(BaseModel):
    text: Annotated[str, TEXT] = ""
    line: Annotated[str, LINE] = ""
    url: Annotated[str, url_rule()] = "https://example.org/"


@pytest.mark.parametrize("char", NOT_TEXT)
def test_a_control_character_is_refused_in_any_text_naming_the_field(char):
    for field in ("text", "line"):
        with pytest.raises(ValidationError) as refused:
            Form(**{field: f"a{char}b"})
        error = refused.value.errors()[0]
        assert error["loc"] == (field,) and f"U+{ord(char):04X}" in error["msg"]
    assert bad_character(f"a{char}b", multiline=True) == char


@pytest.mark.parametrize("char", LINE_BREAKS)
def test_tab_and_line_breaks_are_text_but_not_one_line(char):
    assert Form(text=f"a{char}b").text in (f"a{char}b", "a\nb")
    with pytest.raises(ValidationError, match="one line"):
        Form(line=f"a{char}b")


def test_cr_and_crlf_are_read_as_newlines():
    assert Form(text="a\r\nb\rc\n").text == "a\nb\nc\n"


def test_korean_emoji_and_other_planes_are_text():
    value = "세션 취소 🎤 𝔘 \u00a0 naïve"
    assert Form(text=value, line=value).line == value


def test_the_rule_comes_before_the_fields_own_checks():
    # A non-string is left to the field's type, which names what it wanted.
    with pytest.raises(ValidationError, match="valid string"):
        Form(text=5)


def test_the_document_carries_the_rule_as_a_pattern():
    schema = Form.model_json_schema()["properties"]
    assert schema["text"]["pattern"].startswith("^[^\\x00")
    assert schema["line"]["pattern"] != schema["text"]["pattern"]
    assert schema["url"]["format"] == "uri" and schema["url"]["pattern"].startswith("^(?:https)://")


def test_clean_text_drops_what_the_rule_refuses():
    assert clean_text("a\x00b\r\nc\x7f\ud800") == "ab\nc"
    assert clean_text("Title\n\twith a break\x0b", multiline=False) == "Title with a break"
    for char in NOT_TEXT:
        assert bad_character(clean_text(f"x{char}y", multiline=False)) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org",
        "https://example.org/live?room=1#player",
        "https://[2001:db8::1]:8443/stream",
        "https://한국.kr/판교",
        "https://EXAMPLE.ORG/",
    ],
)
def test_urls_that_are_urls(url):
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)", "with a host"),
        ("http://example.org/", "with a host"),
        ("https://", "with a host"),
        ("https:example.org", "with a host"),
        ("HTTPS://example.org/", "with a host"),  # as the document's pattern and the stream check say
        ("//example.org/", "with a host"),
        ("https://example.org/a b", "without spaces"),
        ("https://example.org/\r\nSet-Cookie: x=1", "line break"),
        ("https://example.org/\x00", r"U\+0000"),
        ("https://example.org\\@evil.example/", "backslashes"),
        ("https://user:pass@example.org/", "user name"),
        ("https://example.org:99999/", "port cannot be read"),
        ("https://[::1/", "cannot be read"),
    ],
)
def test_urls_that_are_not(url, why):
    with pytest.raises(ValueError, match=why):
        check_url(url)


def test_other_schemes_when_asked():
    assert check_url("http://example.org/", ("http", "https"))


def test_check_text_names_the_character():
    with pytest.raises(ValueError, match=r"control character \(U\+001B\)"):
        check_text("\x1b[31mred")


def test_a_key_given_twice_is_refused():
    with pytest.raises(DuplicateKeyError, match="kind"):
        json.loads('{"kind": "cancel", "kind": "move"}', object_pairs_hook=unique_keys)
    assert json.loads('{"a": {"a": 1}}', object_pairs_hook=unique_keys) == {"a": {"a": 1}}
