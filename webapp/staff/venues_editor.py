"""Place the venues on a map and group the rooms into them (organisers): /staff/venues.

The page edits the venues document the app serves (the venues file, or the last save from this page)
and saves it through the same checks as the file; webapp/program/eventstore.py says how a save
reaches every process and every open page.
"""

from collections import Counter

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.live.changes import ChangeError
from webapp.localized import event_languages, pick
from webapp.locks import release_lock
from webapp.program.eventdata import EventData, EventDataError
from webapp.program.eventstore import save_venues, served_document, venues_source
from webapp.program.venues_edit import EditError, apply_edits, document_text, edit_view, parse_edits
from webapp.staff.auth import role_required
from webapp.web.assets import vendor_url
from webapp.web.context import current_event, page_lang
from webapp.web.jsonbody import check_json_body

bp = Blueprint("organiser_venues", __name__, url_prefix="/staff/venues")
# A save names every venue and room: a thousand rooms' ids alone are about 30 KB (MAX_CONTENT_LENGTH is 64 KiB).
MAX_SAVE_BYTES = 1024 * 1024

DOWNLOAD_NAME = "venues.geojson"


def editor_data(document: dict, event: EventData, lang: str) -> dict:
    """Return what the page's script edits: the venues, every room's name and session count, the words."""
    sessions = Counter(s.room for s in event.program.sessions if s.room)
    rooms = {
        room["id"]: {
            "name": pick(room["name"], lang),
            "floor": room.get("floor") or "",
            "sessions": sessions[room["id"]],
        }
        for feature in document["features"]
        for room in feature["properties"]["rooms"]
    }
    # Name fields for the event's languages, and for any other language a name is written in.
    written = (lang for f in document["features"] for lang in f["properties"]["name"])
    langs = list(dict.fromkeys([*event_languages(event), *written]))
    return {
        "version": event.version,
        "lang": lang,
        "langs": langs,
        "venues": [edit_view(f) for f in document["features"]],
        "rooms": rooms,
        "save_url": url_for("organiser_venues.save"),
        "tiles": {
            "url": current_app.config["TILES_URL"],
            "attribution": current_app.config["TILES_ATTRIBUTION"],
        },
        "labels": editor_labels(),
    }


def editor_labels() -> dict:
    """Return the page script's sentences; {name} marks where it puts a value."""
    return {
        "not_placed": _("Not placed yet: drag its pin from the map's centre, or type its coordinates."),
        "place_here": _("Place at the map's centre"),
        "bad_position": _("Type latitude, longitude, e.g. 37.3943, 127.1107."),
        "rooms_here": _("Move {n} selected room(s) here"),
        "sessions": _("{n} sessions"),
        "one_session": _("1 session"),
        "selected": _("{n} room(s) selected: tap a venue's “Move here”."),
        "new_venue": _("New venue"),
        "remove": _("Remove this venue"),
        "saving": _("Saving…"),
        "saved": _("Saved. The map and every page now show these venues."),
        "unchanged": _("Nothing changed since the last save."),
        "offline": _("Could not reach the server; nothing was saved. Your edits are still here."),
        "unsaved": _("Unsaved changes"),
        "empty": _("No rooms yet: move rooms here, or remove the venue."),
        "name": _("Name ({lang})"),
        "short_name": _("Short name on the map ({lang})"),
        "address": _("Address ({lang})"),
        "handle": _("Drag {room} to another venue"),
    }


def _save_error(status: int, error: str, message: str) -> Response:
    response = jsonify(error=error, message=message)
    response.status_code = status
    return response


@bp.get("/")
@role_required("organiser")
def venues():
    """Show the map with every venue's pin and rooms, ready to be dragged, named and saved."""
    source = venues_source(current_app._get_current_object())
    document = served_document(current_app._get_current_object())
    event, lang = current_event(), page_lang()
    return render_template(
        "staff/venues.html",
        data=editor_data(document, event, lang),
        source=source,
        leaflet_js=vendor_url("leaflet.js"),
        leaflet_css=vendor_url("leaflet.css"),
        no_live=True,
    )


@bp.get("/venues.geojson")
@role_required("organiser")
def download():
    """Send the venues document in use as a file, to keep with the program or import with --venues."""
    body = document_text(served_document(current_app._get_current_object()))
    return Response(
        body,
        mimetype="application/geo+json",
        headers={
            "Content-Disposition": f'attachment; filename="{DOWNLOAD_NAME}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/")
@role_required("organiser")
def save():
    """Save the page's venues (JSON, CSRF token in X-CSRFToken): the file's checks, then the release step's import."""
    request.max_content_length = MAX_SAVE_BYTES  # every venue and room of a large congress
    try:
        edits = parse_edits(check_json_body())
        document = apply_edits(served_document(current_app._get_current_object()), edits)
        event = save_venues(document, edits.base, current_user.name, release_lock)
    except (EditError, EventDataError) as exc:
        return _save_error(400, "invalid", str(exc))
    except ChangeError as exc:
        return _save_error(exc.status, exc.error, exc.message)
    if event is None:
        return jsonify(saved=False, version=current_event().version)
    return jsonify(saved=True, version=event.version, venues=len(event.venues), rooms=len(event.rooms_by_id))
