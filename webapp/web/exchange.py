"""What several features' routes share on the wire: the ?ids= list they read, the export they send.

Used by the exports (/schedule.*, /agenda.ics) and by the API (/api/agenda, /api/sessions.geojson).
"""

import re
from datetime import datetime

from flask import Response, request

from webapp.ids import MAX_ID, SLUG_PATTERN
from webapp.web.errors import ApiError

# ?ids=a,b,c: at most MAX_IDS session ids, comma-separated.
MAX_IDS = 100


def parse_ids(text: str | None) -> list[str]:
    """Return the session ids of ?ids=a,b,c (unique, in order); raise ValueError for a malformed list."""
    ids = list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))
    if len(ids) > MAX_IDS:
        raise ValueError(f"ids may list at most {MAX_IDS} sessions.")
    bad = [i for i in ids if len(i) > MAX_ID or not re.match(SLUG_PATTERN, i)]
    if bad:
        raise ValueError(f"'{bad[0][:MAX_ID]}' is not a session id.")
    return ids


def ids_argument(text: str | None) -> list[str]:
    """Return the session ids of ?ids=; a malformed list is a 400 for the client."""
    try:
        return parse_ids(text)
    except ValueError as exc:
        raise ApiError(400, "bad_parameter", str(exc)) from None


def send_export(
    body: bytes | str, mimetype: str, modified: datetime, filename: str | None = None
) -> Response:
    """Wrap an export with its Last-Modified, and answer 304 when the client already has it.

    Every export is served through the page cache, which gives it its ETag: a hash of the body, the
    same in every process.
    """
    response = Response(body, mimetype=mimetype)
    response.last_modified = modified
    # Always revalidate: staff change the program live, and a 304 costs a few bytes.
    response.cache_control.no_cache = True
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response.make_conditional(request)
