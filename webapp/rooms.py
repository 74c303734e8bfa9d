"""Room screens, what is live online, and printable signage."""

from flask import Blueprint

bp = Blueprint("rooms", __name__)
