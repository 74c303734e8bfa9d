"""A session's own words for its page: the subtitle, and the abstract and description as paragraphs.

Imports (pretalx, frab, c3voc) carry them as plain text with blank lines between paragraphs and single
line breaks inside them. They stay text (the template escapes them); a long text shows its first
paragraphs and folds the rest (details/summary), so a phone reaches the facts below without scrolling
through a page of prose.
"""

import re
from dataclasses import dataclass

from webapp.localized import pick

# Up to this many characters a text is shown whole; past it, what follows the first paragraphs is folded.
SHOWN_WHOLE = 600
# Paragraphs are shown until they reach this many characters (at least one is always shown).
SHOWN_FIRST = 300
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class SessionText:
    """What a session's page says of it besides its facts: a subtitle, paragraphs shown and folded."""

    subtitle: str
    shown: tuple[str, ...]
    folded: tuple[str, ...]


def paragraphs(text: str | None) -> list[str]:
    """Return text's paragraphs (split at blank lines), each trimmed, line breaks inside them kept."""
    unified = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _BLANK_LINE.split(unified) if p.strip()]


def session_text(details: dict, lang: str) -> SessionText:
    """Return a session's subtitle and its abstract then description (the latter once if the same)."""
    abstract = pick(details.get("abstract"), lang) if details.get("abstract") else ""
    description = pick(details.get("description"), lang) if details.get("description") else ""
    parts = paragraphs(abstract)
    if description.strip() and description.strip() != abstract.strip():
        parts += paragraphs(description)
    subtitle = pick(details.get("subtitle"), lang).strip() if details.get("subtitle") else ""
    if sum(len(p) for p in parts) <= SHOWN_WHOLE:
        return SessionText(subtitle, tuple(parts), ())
    shown, length = [], 0
    for p in parts:
        if shown and length + len(p) > SHOWN_FIRST:
            break
        shown.append(p)
        length += len(p)
    return SessionText(subtitle, tuple(shown), tuple(parts[len(shown) :]))
