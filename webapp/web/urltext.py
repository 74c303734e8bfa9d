"""What a URL's path segments and query parameters may hold, checked before any view reads the database.

Every value a view takes from the URL is one line of text by the rule of webapp.text: a path segment
that holds a control character names nothing (404), and such a query parameter is refused (400, naming
it). One check for every route, so a new route or filter is covered the day it is added: PostgreSQL
cannot store NUL, so `/sessions/%00` or `?venue=%00` would otherwise fail inside the database.
"""

import json

from flask import Flask, abort, request

from webapp.text import check_text


def _one_line(value: str) -> str | None:
    """Return why value is not one line of text, or None."""
    try:
        check_text(value, multiline=False)
    except ValueError as exc:
        return str(exc)
    return None


def check_url_text() -> None:
    """Refuse a request whose path segments or query parameters are not one line of text."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and _one_line(value):
            abort(404, description="There is no such page.")
    for name, value in request.args.items(multi=True):
        if why := _one_line(name):
            abort(400, description=f"A query parameter's name {why}.")
        if why := _one_line(value):
            # json.dumps: the name is shown quoted, and escaped however odd it is.
            abort(400, description=f"The query parameter {json.dumps(name)[:60]} {why}.")


def init_app(app: Flask) -> None:
    """Check every request's path segments and query parameters first."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_url_text)
