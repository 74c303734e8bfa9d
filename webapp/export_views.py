"""HTTP routes for the standard exports."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
