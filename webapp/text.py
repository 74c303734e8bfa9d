"""What text from anyone may hold: the one rule for API bodies, data files, imports, forms, paths and queries.

Text is Unicode without control characters: NUL cannot be stored by PostgreSQL, and XML (the frab
export) cannot hold NUL, the other C0 controls, U+FFFE or U+FFFF; none of them is something a person
writes. Text that may run over lines keeps tab and newline (a CR or CRLF is read as a newline);
one-line values (names, ids, URLs, query parameters, path segments) keep neither. A URL is also
checked as a URL: a scheme it may have, a host, no userinfo, no space or backslash.

`TEXT`, `LINE` and `url_rule()` are pydantic metadata: put one in a field's `Annotated[...]` and the
field refuses what the rule refuses, naming the field, and the OpenAPI document says so as a pattern.
`bad_character` is the same rule for values that are not read by a model (query parameters, paths),
and `clean_text` what an import does instead of refusing: it drops what the rule refuses.
JSON from anyone (request bodies, data files) is read with `unique_keys`: a key given twice is refused,
where Python's json would silently keep the last one.
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic_core import core_schema

# Not text anywhere: C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates; U+FFFE/U+FFFF.
# (Written as regular-expression escapes: Python's re and JSON Schema's ECMA 262 patterns read them alike.)
_NOT_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
# Not in one line either: tab, LF, CR and Unicode's line and paragraph separators.
_BREAKS = r"\t\n\r\u2028\u2029"
_TEXT_BAD = re.compile(f"[{_NOT_TEXT}]")
_LINE_BAD = re.compile(f"[{_NOT_TEXT}{_BREAKS}]")
_BREAK_RUN = re.compile(f"[{_BREAKS}]+")
_NEWLINE = re.compile(r"\r\n?")
# The same rules as the API document's patterns.
TEXT_PATTERN = f"^[^{_NOT_TEXT}]*$"
LINE_PATTERN = f"^[^{_NOT_TEXT}{_BREAKS}]*$"
# A part of a URL: one line without spaces or backslashes (the host: without '@' and what ends it either).
_URL_PART = rf"[^\s\\{_NOT_TEXT}{_BREAKS}"
URL_SCHEMES = ("https",)


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code}), which is not text"
    if char in "\ufffe\uffff":
        return f"{code}, which is not a character"
    if _BREAK_RUN.match(char):
        return f"a tab or line break ({code}); it must be one line"
    return f"a control character ({code}), which text may not hold"


def bad_character(value: str, *, multiline: bool = False) -> str | None:
    """Return the first character of value the rule refuses (multiline: tab and newlines allowed), or None."""
    found = (_TEXT_BAD if multiline else _LINE_BAD).search(value)
    return found.group() if found else None


def check_text(value: str, *, multiline: bool = True) -> str:
    """Return value with CR and CRLF read as newlines; raise ValueError naming a character it may not hold."""
    if multiline:
        value = _NEWLINE.sub("\n", value)
    if (char := bad_character(value, multiline=multiline)) is not None:
        raise ValueError(f"holds {_describe(char)}")
    return value


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return value without what the rule refuses: what an import keeps (one line: line breaks become spaces)."""
    if multiline:
        return _TEXT_BAD.sub("", _NEWLINE.sub("\n", value))
    return _TEXT_BAD.sub("", _BREAK_RUN.sub(" ", value))


def check_url(value: str, schemes: tuple[str, ...] = URL_SCHEMES) -> str:
    """Return value if it is an absolute URL with one of schemes and a host; raise ValueError saying why not."""
    wanted = " or ".join(f"{s}://" for s in schemes)
    check_text(value, multiline=False)
    if any(char.isspace() or char == "\\" for char in value):
        raise ValueError(f"must be an {wanted} URL without spaces or backslashes")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- reading it checks it: a port that is not a number raises ValueError
    except ValueError:
        raise ValueError(f"must be an {wanted} URL (its host or port cannot be read)") from None
    if (
        parts.scheme not in schemes
        or not value.startswith(f"{parts.scheme}://")  # urlsplit lowers the scheme: this keeps it written so
        or not parts.hostname
    ):
        raise ValueError(f"must be an {wanted} URL with a host")
    if "@" in parts.netloc:
        raise ValueError(f"must be an {wanted} URL without a user name or password")
    return value


class DuplicateKeyError(ValueError):
    """A JSON object gives the same key twice; str() is the key."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object (json's object_pairs_hook), refusing a key given twice."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise DuplicateKeyError(key)
        data[key] = value
    return data


def lone_surrogate_at(data: object) -> str | None:
    """Return where in a JSON document a string or key holds a lone surrogate ("a.b[0]", "" the root), or None."""
    stack = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return where
        elif isinstance(value, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in value.items())
            stack.extend((k, where) for k in value)
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
    return None


@dataclass(frozen=True)
class _Rule:
    """Pydantic metadata: refuse a string the rule refuses (before any other check), document its pattern."""

    multiline: bool
    schemes: tuple[str, ...] = ()

    def check(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the field's own type refuses it, naming what it wanted
        if self.schemes:
            return check_url(value, self.schemes)
        return check_text(value, multiline=self.multiline)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        json_schema = handler(schema)
        if self.schemes:
            json_schema.setdefault("format", "uri")
            scheme = "|".join(self.schemes)
            json_schema["pattern"] = f"^(?:{scheme})://{_URL_PART}@/?#]+(?:[/?#]{_URL_PART}]*)?$"
        else:
            json_schema["pattern"] = TEXT_PATTERN if self.multiline else LINE_PATTERN
        return json_schema


# Text that may run over lines (abstracts, announcements, reasons, names as data files give them).
TEXT = _Rule(multiline=True)
# One line: identifiers, codes, a sign-in name.
LINE = _Rule(multiline=False)


def url_rule(schemes: tuple[str, ...] = URL_SCHEMES) -> _Rule:
    """Return the metadata of a URL field: an absolute URL with one of schemes (https only by default)."""
    return _Rule(multiline=False, schemes=schemes)
