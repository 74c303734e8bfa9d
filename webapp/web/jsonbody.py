"""The one check every JSON request body passes before a model sees it: an object, shallow, real text.

Used by POST /api/changes and by the push endpoints, ahead of spectree's validation: spectree
serialises its error list, raw input included, so input that cannot be serialised must not reach it.
"""

import json
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

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
    """Return the request's JSON object; raise ApiError 400 unless it is one, shallow and all Unicode."""
    try:
        body = request.get_json(force=True)
    except RecursionError:
        raise ApiError(400, "invalid", "The body nests too deeply.") from None
    except BadRequest:
        raise ApiError(400, "invalid", "The body must be a JSON object sent as application/json.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "The body must be a JSON object.")
    if _depth(body) > MAX_DEPTH:
        raise ApiError(400, "invalid", "The body nests too deeply.")
    try:
        # Lone surrogates ("\ud800") are valid JSON escapes but not text: they cannot be stored or sent.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            400, "invalid", "The body holds text that is not Unicode (a lone surrogate)."
        ) from None
    return body
