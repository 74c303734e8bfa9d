"""Printable signage for staff: A4 posters with QR codes for every venue and room (/staff/signage)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import segno
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from webapp.localized import LocalizedText, event_languages, pick
from webapp.models import Venue
from webapp.program.queries import list_venues
from webapp.staff.auth import role_required
from webapp.web.context import current_event
from webapp.web.i18n import in_each_language

bp = Blueprint("signage", __name__)

# Posters speak every language of the event at once, whatever the page's language.
POSTER_WORDS = {
    "scan_room": _l("Scan for what is on in this room now and next"),
    "scan_venue": _l("Scan for this venue's rooms and sessions"),
}


@dataclass(frozen=True)
class Poster:
    """One A4 poster: what it names (in each of the event's languages) and where its QR code points."""

    kind: str  # room | venue
    id: str
    name: dict[str, str]
    floor: str | None
    venue_name: dict[str, str]
    address: dict[str, str]
    url: str
    qr_svg: Markup


def qr_svg(url: str) -> Markup:
    """Return an inline SVG QR code for url; safe to mark so because segno wrote every byte of it."""
    code = segno.make_qr(url, error="m")
    return Markup(code.svg_inline(border=4, omitsize=True, svgclass="qr", lineclass=None))  # noqa: S704


def public_base(requested: str | None, fallback: str) -> str:
    """Return the http(s) origin (and path prefix) the posters link to; raise ValueError for a bad one."""
    base = (requested or fallback).strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"'{base}' is not an http(s) address such as https://live.example.org")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def in_languages(text: LocalizedText, langs: tuple[str, ...]) -> dict[str, str]:
    """Return text in each of langs, a missing translation falling back to another language."""
    return {lang: pick(text, lang, langs) for lang in langs}


def signage_posters(venues: list[Venue], base_url: str, langs: tuple[str, ...]) -> list[Poster]:
    """Return a poster for each venue, followed by one for each of its rooms, linking under base_url."""
    posters = []
    for venue in venues:
        venue_name = in_languages(venue.text("name"), langs)
        address = in_languages(venue.properties["address"], langs)
        url = f"{base_url}/venues/{venue.id}"
        posters.append(Poster("venue", venue.id, venue_name, None, venue_name, address, url, qr_svg(url)))
        for room in venue.rooms:
            url = f"{base_url}/rooms/{room.id}"
            name = in_languages(room.text("name"), langs)
            posters.append(Poster("room", room.id, name, room.floor, venue_name, address, url, qr_svg(url)))
    return posters


@bp.get("/staff/signage")
@role_required("staff")
def signage():
    """Show printable A4 posters with QR codes for every room and venue, or one venue's."""
    venues = list_venues()
    chosen = request.args.get("venue") or None
    if chosen and chosen not in {v.id for v in venues}:
        abort(404, description=_("There is no such venue."))
    try:
        base = public_base(request.args.get("base"), request.host_url)
    except ValueError as exc:
        abort(400, description=str(exc))
    shown = [v for v in venues if chosen in (None, v.id)]
    langs = event_languages(current_event())
    return render_template(
        "signage.html",
        posters=signage_posters(shown, base, langs),
        venues=venues,
        chosen=chosen,
        base=base,
        words=in_each_language(POSTER_WORDS, langs),
        langs=langs,
        no_live=True,
    )
