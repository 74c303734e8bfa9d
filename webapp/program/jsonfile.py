"""Read a data file as strict JSON: UTF-8 without a BOM, no key twice, not absurdly large or deep.

Python's json is lenient where a data file should not be: it guesses UTF-16 and UTF-32, keeps the
last of two equal keys, and lets "\\ud800" through as a lone surrogate (which then fails far away,
when the database encodes it). NaN and Infinity are read, and refused by the models, naming the field.
"""

import json
import re
from pathlib import Path

from webapp.text import DuplicateKeyError, lone_surrogate_at, unique_keys

# Larger data files are refused before they are read (a c3voc schedule of a big congress is ~2 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


class EventDataError(Exception):
    """A data file is unusable; the message is one sentence naming the file, the item and the field."""

    def __init__(self, file: str, item: str | None, field_: str | None, problem: str) -> None:
        where = ", ".join(part for part in (item, f"field '{field_}'" if field_ else None) if part)
        # One line, whatever the file's keys and values hold: control characters are shown escaped.
        line = _CONTROL.sub(lambda m: repr(m.group())[1:-1], f"{where + ': ' if where else ''}{problem}")
        super().__init__(f"{file}: {line}")
        self.file, self.item, self.field, self.problem = file, item, field_, problem


def _read_bytes(path: Path) -> bytes:
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EventDataError(name, None, None, f"is larger than {MAX_FILE_BYTES:,} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        raise EventDataError(name, None, None, f"file not found at {path}") from None
    except IsADirectoryError:
        raise EventDataError(name, None, None, f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise EventDataError(name, None, None, f"cannot be read ({exc.strerror or exc})") from None


def read_json(path: Path) -> tuple[bytes, object]:
    """Return a data file's bytes and its JSON; raise EventDataError naming the file when unusable."""
    raw = _read_bytes(path)
    return raw, parse_json(path.name, raw)


def parse_json(name: str, raw: bytes) -> object:
    """Return the JSON of a data file's bytes (named name in errors), read as strictly as read_json does."""
    if len(raw) > MAX_FILE_BYTES:
        raise EventDataError(name, None, None, f"is larger than {MAX_FILE_BYTES:,} bytes")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise EventDataError(name, None, None, "starts with a byte order mark; save it as UTF-8 without one")
    try:
        text = raw.decode("utf-8")  # JSON is UTF-8 (RFC 8259); json.loads would also guess UTF-16/32
    except UnicodeDecodeError as exc:
        raise EventDataError(name, None, None, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        # NaN and Infinity (not JSON, but Python's json reads them) are refused by the models, by field.
        data = json.loads(text, object_pairs_hook=unique_keys)
    except DuplicateKeyError as exc:
        raise EventDataError(name, None, f"{exc}", "is given twice in one object") from None
    except RecursionError:
        raise EventDataError(name, None, None, "is nested too deeply to be event data") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise EventDataError(name, None, None, f"not valid JSON ({exc})") from None
    if (where := lone_surrogate_at(data)) is not None:
        raise EventDataError(name, None, where or None, "has a lone surrogate (\\ud800-\\udfff), not text")
    return data
