"""A followed schedule's release held for staff: shown on /staff and /staff/log, applied or ignored here.

`follow-schedule` holds a release that would cancel more than a fifth of the sessions, or that is another
event's (webapp/sources/follow.py); nothing of it is applied until staff press Apply. Ignore drops it,
and the follower does not hold the same release again. Either answer names the release by its digest,
so a button on a page that is out of date (a later release has replaced the held one) changes nothing.

The card is one template (staff/_held_card.html), drawn with the page and redrawn from /staff/held/card
by static/js/held.js: at once after any change reaches the page, and every few seconds otherwise, since
holding or ignoring a release writes no change and may happen in another process (the follower).
"""

import hashlib
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from babel.dates import format_skeleton
from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.sources.follow import NotHeld, apply_held, held_release, ignore_held
from webapp.staff.auth import role_required
from webapp.web.context import current_event, page_lang

bp = Blueprint("held", __name__, url_prefix="/staff/held")


def held_row() -> dict | None:
    """Return the held release in the page's words, or None when none is held."""
    held = held_release()
    if held is None:
        return None
    event, lang = current_event(), page_lang()
    at = datetime.fromisoformat(held["at"]).astimezone(event.tz)
    words = {"label": held["label"], "n": held["cancel"], "m": held["total"]}
    if held.get("event_id"):
        what = _(
            "Release %(label)s is another event's (%(new)s, not %(old)s) and would cancel %(n)d of %(m)d sessions.",
            new=held["event_id"],
            old=held["this_event"],
            **words,
        )
    else:
        what = _("Release %(label)s would cancel %(n)d of %(m)d sessions.", **words)
    return {
        "digest": held["digest"],
        "what": what,
        "source": held["source"],
        "at": at.isoformat(),
        "at_label": f"{format_skeleton('MMMd', at.date(), locale=lang)} {at:%H:%M}",
    }


def staff_path(target: str) -> str:
    """Return target when it is a path under /staff on this site, else the console's (never another site)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff"):
        return url_for("staff.console")
    return target


def _back() -> str:
    """Return the staff page the form came from."""
    return staff_path(request.form.get("next", ""))


def _answer(decide: Callable[[str, str], str]) -> Response:
    """Run staff's decision on the release the form names; show what it did on the page they came from."""
    try:
        message = decide(request.form.get("digest", ""), current_user.name)
    except NotHeld:
        message = _("That release is no longer held: a later one replaced it, or it was applied or ignored.")
    flash(message, "held")
    return redirect(_back())


def _apply(digest: str, staff: str) -> str:
    outcome = apply_held(digest, staff)
    if outcome.status == "applied":
        return _("Applied: %(n)d changes from the published schedule.", n=len(outcome.changes))
    return _("The release could not be applied; nothing was changed: %(why)s", why=outcome.message)


def _ignore(digest: str, staff: str) -> str:
    return _("Ignored release %(label)s; nothing was changed.", label=ignore_held(digest, staff)["label"])


@bp.get("/card")
@role_required("staff")
def card():
    """Return the held release's card as the staff pages draw it (empty when none is held); ETag, 304."""
    held, back = held_release(), staff_path(request.args.get("next", ""))
    response = Response(render_template("staff/_held_card.html", held_next=back), mimetype="text/html")
    # Tagged by what the card shows, not its bytes: its CSRF token is signed anew every second.
    state = f"{held['digest'] if held else '-'}|{page_lang()}|{back}"
    response.set_etag(hashlib.sha256(state.encode()).hexdigest()[:32])
    response.cache_control.no_cache = True
    response.vary.add("Cookie")
    return response.make_conditional(request)


@bp.post("/apply")
@role_required("staff")
def apply():
    """Apply the held release the form names; say what it did."""
    return _answer(_apply)


@bp.post("/ignore")
@role_required("staff")
def ignore():
    """Drop the held release the form names; nothing of it is applied."""
    return _answer(_ignore)


def init_app(app: Flask) -> None:
    """Register the routes, and `held_row()` for the staff pages' templates."""
    app.register_blueprint(bp)
    app.add_template_global(held_row)
