"""The OpenAPI description of the JSON API, and a page that shows it to people."""

from flask import Blueprint

bp = Blueprint("api_docs", __name__)
