"""Moved to webapp/localized.py; present.py (being split in another branch) still imports it from here."""

from webapp.localized import event_languages, pick

__all__ = ["event_languages", "pick"]
