"""One error shape: {"error", "message"} for the API, a friendly page for people."""

import logging

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from webapp.extensions import db

log = logging.getLogger(__name__)
# The URL prefixes of the JSON endpoints (all in the OpenAPI document): their errors are JSON too.
JSON_PREFIXES = ("/api/", "/push/")
DATABASE_AWAY = "The database is unreachable; nothing was changed. Try again in a moment."


class ApiError(Exception):
    """A request the API refuses: HTTP status, a short machine-readable code, a sentence for people."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def _api_error(exc: ApiError):
    return jsonify(error=exc.error, message=exc.message), exc.status


def _http_error(exc: HTTPException):
    # The exception's own headers but its Content-Type: a 405 must say Allow (RFC 9110 15.5.6), which
    # werkzeug puts only in MethodNotAllowed.get_headers (werkzeug/exceptions.py, MethodNotAllowed).
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify(error=code, message=exc.description), exc.code, headers
    page = render_template("error.html", status=exc.code, title=exc.name, message=exc.description)
    return page, exc.code, headers


def _database_error(exc: sa.exc.DBAPIError):
    # The transaction was rolled back (apply_change does it first): nothing is half-written.
    db.session.rollback()
    if not exc.connection_invalidated and not isinstance(
        exc, sa.exc.OperationalError | sa.exc.InterfaceError
    ):
        raise exc
    log.error("database unreachable answering %s %s: %s", request.method, request.path, exc.orig)
    headers = {"Retry-After": "5"}
    if _wants_json() or request.path.startswith("/staff/"):
        return jsonify(error="unavailable", message=DATABASE_AWAY), 503, headers
    # Not the site's template: its context reads the database too.
    page = f"<!doctype html><title>503</title><h1>503 · Unavailable</h1><p>{DATABASE_AWAY}</p>"
    return page, 503, headers


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(sa.exc.DBAPIError, _database_error)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
