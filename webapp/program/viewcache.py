"""Session views kept between requests: a search shows its results without building each one again.

A session of the data files changes only through the change log, where each change bumps its version
(webapp/live/changes.py), or through an import of other files, which is another data version. So what a
page or the API shows of one is kept under (data version, id, version, form: the API's, or a row in a
language); a search reads its results' ids and versions (queries.session_keys) and loads and builds
only the sessions changed since they were kept. A session staff added is built each time: few, and
after a release of the same files (which drops it) one may be added again under its id and version 1.
"""

from collections import OrderedDict
from collections.abc import Callable, Sequence

from flask import current_app

from webapp.models import Session
from webapp.program.queries import sessions_by_id
from webapp.program.speakers import with_days
from webapp.web.context import current_event

# Views kept per process (a few languages' rows and the API's form of a 1,000-session event, twice over).
MAX_KEPT = 20_000


class ViewCache:
    """Views of sessions by (data version, id, version, form), least recently used dropped first."""

    def __init__(self, size: int = MAX_KEPT) -> None:
        self.size = size
        self.kept: OrderedDict[tuple, object] = OrderedDict()

    def views(
        self, event, keys: Sequence[tuple[str, int]], form: tuple, build: Callable[[list[Session]], list]
    ) -> list:
        """Return the view of each session (id, version) of keys, in order; build(sessions) makes missing ones.

        A session gone since its key was read is left out.
        """
        found, missing = {}, []
        for session_id, version in keys:
            key = (event.version, session_id, version, form)
            view = self.kept.get(key)
            if view is None:
                missing.append(session_id)
            else:
                found[session_id] = view
                self.kept.move_to_end(key)
        if missing:
            sessions = sessions_by_id(missing)
            for s, view in zip(sessions, build(sessions), strict=True):
                found[s.id] = view
                if s.id in event.session_ids:  # kept under the version loaded (newer than keys' is fine)
                    self.kept[(event.version, s.id, s.version, form)] = view
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return [found[session_id] for session_id, _ in keys if session_id in found]


def _cache() -> ViewCache:
    cache = current_app.extensions.get("session_views")
    if cache is None:
        cache = current_app.extensions["session_views"] = ViewCache()
    return cache


def api_sessions(keys: Sequence[tuple[str, int]]) -> list[dict]:
    """Return the sessions (id, version) as the API shows them (Session.to_dict); do not change them."""
    event = current_event()
    return _cache().views(event, keys, ("api",), lambda found: [s.to_dict(event.tz) for s in found])


def result_rows(keys: Sequence[tuple[str, int]], lang: str) -> list[tuple[dict, str]]:
    """Return the sessions (id, version) as a search's rows in lang (views with their day), with track ids."""

    def build(found: list[Session]) -> list[tuple[dict, str]]:
        return list(zip(with_days(found, lang), [s.track_id for s in found], strict=True))

    return _cache().views(current_event(), keys, ("row", lang), build)
