"""What the program adds to every page's template: the live-update data (base.html's page_live_data), and
distance_label (180 m, 1.8 km) for distances a template writes."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask import Flask, current_app

from webapp.live.log import active_announcements
from webapp.program.present import live_data, live_names
from webapp.program.queries import list_venues
from webapp.walking import distance_label
from webapp.web.clock import EventClock
from webapp.web.context import current_event, page_lang
from webapp.web.pagecache import page_seq

T = TypeVar("T")


def page_live_data(clock: EventClock | None = None) -> dict:
    """Return the live-update data (and the page's clock) for the page being rendered."""
    # The seq read before the page's data (pagecache), never after: it must not claim a change it lacks.
    lang, event, seq = page_lang(), current_event(), page_seq()
    return live_data(lang, event, page_names(lang, event, seq), seq, page_announcements(event, seq), clock)


def kept_at_seq(name: str, event, seq: int, build: Callable[[], T]) -> T:
    """Return build(), made once per (data version, seq) and kept under name until either moves.

    For what only a change in the log or an import changes: every page rendered at that seq (a search's
    pages, each a new URL) shares it instead of reading it again.
    """
    kept = current_app.extensions.get(name)
    if kept is None or kept[0] != (event.version, seq):
        kept = current_app.extensions[name] = ((event.version, seq), build())
    return kept[1]


def page_names(lang: str, event, seq: int) -> dict:
    """Return live_names for lang, built once per (data version, seq). The venues change only through the
    log, so a seq stands for their names."""
    by_lang = kept_at_seq("live_names", event, seq, dict)
    names = by_lang.get(lang)
    if names is None:
        names = by_lang[lang] = live_names(lang, event, list_venues())
    return names


def page_announcements(event, seq: int) -> list[dict]:
    """Return the announcements shown now (active_announcements, as the API shows them), read once per
    (data version, seq): one is made, retracted or brought back only by a change in the log, so only its
    expiry is checked again for each page."""
    kept = kept_at_seq(
        "live_announcements",
        event,
        seq,
        lambda: [(a.expires_at, a.to_dict()) for a in active_announcements()],
    )
    now = datetime.now(UTC)
    return [announcement for expires_at, announcement in kept if expires_at > now]


def venue_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Return each venue as (id, name, [(room id, room name)]) in the data's order, in the page's language:
    what a filter form offers. From page_names, so the venues are read once per (data version, seq), not
    once per page (a search page is a new URL each time)."""
    names = page_names(page_lang(), current_event(), page_seq())
    rooms: dict[str, list[tuple[str, str]]] = {venue_id: [] for venue_id in names["venues"]}
    for room_id, room in names["rooms"].items():
        rooms[room["venue"]].append((room_id, room["name"]))
    return [(venue_id, name, rooms[venue_id]) for venue_id, name in names["venues"].items()]


def init_app(app: Flask) -> None:
    """Register the program's template globals."""
    app.jinja_env.globals.update(
        page_live_data=page_live_data, distance_label=distance_label, venue_choices=venue_choices
    )
