"""The one check every JSON request body passes before a model sees it: an object, shallow, real text.

Used by POST /api/changes and by the push endpoints, ahead of spectree's validation: spectree
serialises its error list, raw input included, so input that cannot be serialised must not reach it.
The body is read strictly, not by Flask's request.get_json: Python's json guesses UTF-16 and UTF-32
from the bytes and keeps the last of two equal keys, so what a proxy or a log reads could differ
from what the app applies. JSON is UTF-8 (RFC 8259 section 8.1) and an object's names are unique here.
"""

import json
from typing import Any

from flask import request

from webapp.text import DuplicateKeyError, lone_surrogate_at, unique_keys
from webapp.web.errors import ApiError

MAX_DEPTH = 32  # our bodies nest at most four levels; deeper is an attack, refused before any model sees it


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            todo.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, level + 1) for v in item)
    return deepest


def check_json_body() -> dict[str, Any]:
    """Return the request's JSON object; raise ApiError 400 unless it is one, in UTF-8, shallow, all Unicode."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    try:
        if charset not in ("utf-8", "utf8"):
            raise UnicodeError(charset)
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeError:
        raise ApiError(400, "invalid", "The body must be JSON in UTF-8 (no other encoding).") from None
    try:
        body = json.loads(text, object_pairs_hook=unique_keys)
    except DuplicateKeyError as exc:
        raise ApiError(400, "invalid", f"The body gives the key {json.dumps(str(exc))[:80]} twice.") from None
    except RecursionError:
        raise ApiError(400, "invalid", "The body nests too deeply.") from None
    except ValueError:  # json.JSONDecodeError, and a UTF-8 byte order mark
        raise ApiError(400, "invalid", "The body must be a JSON object sent as application/json.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "The body must be a JSON object.")
    if _depth(body) > MAX_DEPTH:
        raise ApiError(400, "invalid", "The body nests too deeply.")
    # Lone surrogates ("\ud800") are valid JSON escapes but not text: they cannot be stored or sent.
    if (where := lone_surrogate_at(body)) is not None:
        field = f"{json.dumps(where)[:80]} holds" if where else "A key of the body holds"
        raise ApiError(400, "invalid", f"{field} a lone surrogate (U+D800 to U+DFFF), which is not text.")
    return body
