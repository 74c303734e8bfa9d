"""The speakers: a searchable list and a page per person with their sessions (from the program's persons)."""

from collections import OrderedDict

from flask import Blueprint, abort, current_app, render_template, request

from webapp.localized import LANGS, pick
from webapp.models import Session
from webapp.program.present import event_title, session_view
from webapp.program.queries import session_keys, sessions_besides, sessions_by_id
from webapp.program.search import (
    MAX_QUERY,
    SearchIndex,
    Speaker,
    add_sessions,
    find_speakers,
    highlight,
    index_for,
    search,
    with_added_speakers,
)
from webapp.web.context import current_event, page_lang
from webapp.web.i18n import LANGUAGE_NAMES, offered_languages
from webapp.web.pagecache import cached_page, page_seq
from webapp.web.templating import day_label

bp = Blueprint("speakers", __name__)


def localized(text: dict[str, str] | None) -> dict[str, str] | None:
    """Return a text as the API shows texts: each interface language filled, then the data's own."""
    if not text:
        return None
    return {**{lang: pick(text, lang) for lang in LANGS}, **text}


def speaker_index() -> SearchIndex:
    """Return the event's search index with the speakers of the sessions staff added since the import."""
    event = current_event()
    return with_added_speakers(index_for(event), sessions_besides(event.session_ids))


def get_speaker(speaker_id: str) -> Speaker | None:
    """Return one speaker of the event, or None."""
    return speaker_index().speakers.get(speaker_id)


def speaker_sessions(speaker: Speaker) -> list[Session]:
    """Return a speaker's sessions as currently scheduled, in start order."""
    return sorted(sessions_by_id(list(speaker.session_ids)), key=lambda s: (s.start_at, s.end_at, s.id))


def speaker_dict(speaker: Speaker) -> dict:
    """Return a speaker as the API shows one (sessions as ids)."""
    return {
        "id": speaker.id,
        "name": localized(speaker.name),
        "affiliation": localized(speaker.affiliation),
        "sessions": list(speaker.session_ids),
    }


def with_days(found: list[Session], lang: str) -> list[dict]:
    """Return sessions as rows that say their day too (a list across days: search, a speaker's)."""
    event = current_event()
    days = [s.start_at.astimezone(event.tz).date() for s in found]
    labels = {day: day_label(day) for day in set(days)}  # a few days, not one label per row
    return [{**session_view(s, lang, event), "day": labels[day]} for s, day in zip(found, days, strict=True)]


# The searched sessions' ids, rooms and versions kept for this many (data version, seq, filters).
KEPT_KEYS = 64


def searched_keys(filters: dict) -> tuple[list[tuple[str, str | None]], dict[str, int]]:
    """Return the (id, current room) of the sessions within filters, in start order, and their versions.

    Read once per data version and seq: every change to a session is a change in the log (a new seq)
    and an import is a new data version, so between them the sessions' places and versions stay as read.
    The seq is the page's (pagecache.page_seq: read before anything else), so what is kept is never older
    than the seq it is kept under.
    """
    event = current_event()
    kept = current_app.extensions.get("searched_keys")
    if kept is None:
        kept = current_app.extensions["searched_keys"] = OrderedDict()
    key = (event.version, page_seq(), tuple(sorted(filters.items())))
    found = kept.get(key)
    if found is None:
        rows = session_keys(event.tz, **filters)
        found = [(i, room) for i, room, _ in rows], {i: version for i, _, version in rows}
        kept[key] = found
        while len(kept) > KEPT_KEYS:
            kept.popitem(last=False)
    return found


def ranked(
    filters: dict, q: str, offset: int = 0, limit: int | None = None
) -> tuple[int, list[tuple[str, int]]]:
    """Return how many sessions match q within filters, and those from offset (at most limit), best first.

    Those are (id, version): the search reads ids, rooms and versions only, and the caller shows the
    sessions from webapp/program/viewcache.py, which loads only those changed since it last showed them.
    """
    event = current_event()
    index, (pairs, versions) = index_for(event), searched_keys(filters)
    if missing := [session_id for session_id, _ in pairs if session_id not in index.sessions]:
        add_sessions(index, sessions_by_id(missing), event.tracks_by_id)  # added by staff since the import
    hits = search(index, q, pairs)
    shown = hits[offset : None if limit is None else offset + limit]
    return len(hits), [(h.session_id, versions[h.session_id]) for h in shown]


def search_query() -> str:
    """Return this request's ?q=, at most MAX_QUERY characters, trimmed."""
    return (request.args.get("q") or "")[:MAX_QUERY].strip()


@bp.get("/speakers")
@cached_page
def speakers():
    """List the speakers by name; ?q= finds them by any part of their name or affiliation."""
    lang, q = page_lang(), search_query()
    found = find_speakers(speaker_index(), q, lang)
    return render_template("speakers.html", speakers=found, q=q)


@bp.get("/speakers/<speaker_id>")
@cached_page
def speaker(speaker_id: str):
    """Show one speaker and their sessions."""
    found = get_speaker(speaker_id) or abort(404, description="There is no such speaker.")
    lang = page_lang()
    return render_template("speaker.html", speaker=found, sessions=with_days(speaker_sessions(found), lang))


@bp.app_context_processor
def _search_helpers() -> dict:
    return {
        "highlight": highlight,
        "search_names": lambda: index_for(current_event()).names,
        "event_title": lambda: event_title(current_event(), page_lang()),
        "offered_langs": lambda: offered_languages(current_event().event.languages),
        "language_names": LANGUAGE_NAMES,
    }
