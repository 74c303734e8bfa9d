"""One error shape: {"error", "message"} for the API, a friendly page for people."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A request the API refuses: HTTP status, a short machine-readable code, a sentence for people."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _api_error(exc: ApiError):
    return jsonify(error=exc.error, message=exc.message), exc.status


def _http_error(exc: HTTPException):
    if _wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify(error=code, message=exc.description), exc.code
    return render_template("error.html", status=exc.code, title=exc.name, message=exc.description), exc.code


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
