"""HTTP routes for travel and the personal agenda."""

from flask import Blueprint

bp = Blueprint("travel", __name__)
