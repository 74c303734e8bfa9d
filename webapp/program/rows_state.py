"""The session rows of /schedule and /venues/<id> as page data: what static/js/rows.js draws them from.

The page script draws the hour blocks (static/js/hour-blocks.js, the rule of hours.py) and the rows at load
and again after each live change, from the day's sessions of every venue, so that a session moved
into this page's view (another room, another venue, another hour) is drawn like one that was there.
The server's HTML for those rows is only what a browser without scripts shows.
"""

from datetime import date

from flask_babel import get_translations

from webapp.localized import pick
from webapp.program.eventdata import EventData
from webapp.program.present import readable_colour
from webapp.web.templating import mode_label

# The parts of a session view (present.session_view) a row shows; the rest is left out of the page.
ROW_KEYS = (
    "id", "title", "start", "end", "venue_id", "room_id", "track_id", "track", "color", "mode", "status",
    "status_reason", "stream_status", "reconstructed", "url", "speakers", "day",
)  # fmt: skip


def row_data(view: dict, track_id: str) -> dict:
    """Return the part of a session view one row draws."""
    return {key: view[key] for key in ROW_KEYS if key in view} | {"track_id": track_id}


def _plural(singular: str, plural: str) -> dict[str, str]:
    """Return a counted phrase for one and for many, as fill() templates ({"one", "other"})."""
    forms = get_translations()
    return {
        "one": forms.ngettext(singular, plural, 1).replace("%(num)d", "%(num)s"),
        "other": forms.ngettext(singular, plural, 2).replace("%(num)d", "%(num)s"),
    }


def row_labels(empty_text: str) -> dict:
    """Return the words the rows, the hour heads and the counts use, in the page's language."""
    forms = get_translations()
    return {
        "sessions": _plural("%(num)d session", "%(num)d sessions"),
        "still_on": _plural("%(num)d still on", "%(num)d still on"),
        "now": forms.gettext("Now"),
        "next": forms.gettext("Next"),
        "live": forms.gettext("Live"),
        "cancelled": forms.gettext("Cancelled"),
        "star": forms.gettext("Star"),
        "reconstructed": forms.gettext("reconstructed"),
        "reconstructed_title": forms.gettext("Time or place reconstructed, not from a published source"),
        "modes": {mode: mode_label(mode) for mode in ("online", "hybrid")},
        "empty": empty_text,
    }


def track_views(event: EventData, lang: str) -> dict[str, dict]:
    """Return each track's name and colour as a row shows them (an added session's row needs them)."""
    return {
        t.id: {"name": pick(t.name, lang), "color": readable_colour(t.color)} for t in event.program.tracks
    }


def rows_state(
    event: EventData,
    lang: str,
    day: date | None,
    views: list[dict],
    track_ids: list[str],
    empty_text: str,
    *,
    venue_id: str | None = None,
    room_id: str | None = None,
    track_id: str | None = None,
    q: str | None = None,
    matches: int | None = None,
) -> dict:
    """Return the page data rows.js draws the rows from: the day, the filters, the sessions, the words.

    With q (a search), sessions are the results in the server's order and matches how many there are.
    """
    return {
        "day": day.isoformat() if day else None,
        "q": q,
        "matches": matches,
        "filters": {"venue": venue_id, "room": room_id, "track": track_id},
        "sessions": [row_data(v, t) for v, t in zip(views, track_ids, strict=True)],
        "tracks": track_views(event, lang),
        "labels": row_labels(empty_text),
    }
