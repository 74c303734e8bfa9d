"""Turn models into what a page shows, in one language and the event's time zone."""

from flask_babel import gettext as _
from flask_babel import pgettext

from webapp.folding import fold
from webapp.localized import event_languages, pick
from webapp.models import Session, Venue
from webapp.program.eventdata import EventData
from webapp.walking import distance_label
from webapp.web.clock import EventClock
from webapp.web.directions import directions_view
from webapp.web.i18n import time_range

# Text of normal size needs this contrast against its background (WCAG 2.x, 1.4.3 AA).
MIN_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(one: str, other: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_colour(colour: str, background: str = "#ffffff") -> str:
    """Return colour, darkened as little as needed to be read as text on background (>= MIN_CONTRAST)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    for step in range(101):
        shade = "#" + "".join(f"{round(c * (1 - step / 100)):02x}" for c in rgb)
        if contrast_ratio(shade, background) >= MIN_CONTRAST:
            return shade
    return "#000000"


# What a page shows of a session as the API has it (Session.to_dict), unchanged.
SESSION_VIEW_KEYS = ("id", "start", "end", "mode", "status", "status_reason", "stream_url", "stream_status")


def session_view(s: Session, lang: str, event: EventData) -> dict:
    """Return a session as the pages and the page scripts show it: its to_dict, in one language."""
    data = s.to_dict(event.tz)
    track = event.tracks_by_id.get(s.track_id)
    return {
        **{key: data[key] for key in SESSION_VIEW_KEYS},
        "title": pick(data["title"], lang),
        "time": time_range(s.start_at, s.end_at, event.tz),
        "venue_id": data["venue"],
        "venue": s.venue.short_name(lang) if s.venue else _("Online"),
        "room_id": data["room"],
        "room": s.room.name(lang) if s.room else "",
        "track": pick(track.name, lang) if track else s.track_id,
        # The track's colour as text on the page's white (pills, titles): darkened until it reads.
        "color": readable_colour(track.color if track else "#444444"),
        "reconstructed": data["provenance"] == "reconstructed",
        "url": f"/sessions/{s.id}",
        "speakers": [{"id": sp["speaker"], "name": pick(sp["name"], lang)} for sp in data["speakers"]],
    }


def event_title(event: EventData, lang: str) -> str:
    """Return the event's name for the header: its short name, unless that is only its slug ("Camp2019")."""
    short = pick(event.event.short_name, lang, event_languages(event))
    if " " not in short.strip() and fold(short) == fold(event.event.id):
        return pick(event.event.name, lang, event_languages(event))
    return short


def map_venue(venue: Venue, lang: str) -> dict:
    """Return what the map draws for a venue in lang (marker, label, circle, popup), as data."""
    props = venue.properties
    approximate = venue.position == "approximate"
    station = props.get("station")
    return {
        "id": venue.id,
        "name": venue.name(lang),
        "short_name": venue.short_name(lang),
        "lat": venue.lat,
        "lon": venue.lon,
        "approximate": approximate,
        "accuracy_m": venue.accuracy_m,
        "url": f"/venues/{venue.id}",
        "address": pick(props["address"], lang),
        "approx_note": " ".join(
            (
                _(
                    "Approximate location (within about %(distance)s).",
                    distance=distance_label(venue.accuracy_m),
                ),
                pick(props.get("position_note"), lang),
            )
        )
        if approximate
        else "",
        "station": _(
            "Nearest station: %(name)s, about %(distance)s",
            name=pick(station["name"], lang),
            distance=distance_label(station["distance_m"]),
        )
        if station
        else "",
        "directions": directions_view(venue, lang),
        "rooms": [{"id": r.id, "name": r.name(lang), "floor": r.floor} for r in venue.rooms],
    }


def map_venues(venues: list[Venue], lang: str) -> list[dict]:
    """Return the map's venues in lang."""
    return [map_venue(v, lang) for v in venues]


def session_page_data(s: Session, venues: list[Venue], lang: str) -> dict:
    """Return what the session page's script draws its place from: the session's place, every venue, words."""
    return {
        "session": s.id,
        "venue": s.venue_id,
        "room": s.room_id,
        "venues": {v["id"]: v for v in map_venues(venues, lang)},
        "labels": {"online_only": _("Online only"), "directions": _("Directions")},
    }


def map_labels() -> dict:
    """Return the words the map's popups use, in the page's language."""
    return {"rooms": _("Rooms"), "directions": _("Directions")}


def clock_data(clock: EventClock | None) -> dict | None:
    """Return the page's clock for its scripts: the moment shown, and whether it moves with the wall clock."""
    if clock is None:
        return None
    return {"now": clock.now.isoformat(), "ticking": clock.source == "real"}


def live_data(
    lang: str,
    event: EventData,
    names: dict,
    seq: int,
    announcements: list[dict],
    clock: EventClock | None = None,
) -> dict:
    """Return what every page script needs: seq, the clock, announcements (as the API shows them), and names
    (live_names: the event's languages, venue and room names, the words of its messages)."""
    return {
        "event": event.event.id,
        "seq": seq,
        "lang": lang,
        "tz": event.event.timezone,
        "clock": clock_data(clock),
        "announcements": announcements,
        **names,
    }


def live_names(lang: str, event: EventData, venues: list[Venue]) -> dict:
    """Return the part of live_data that changes only with the venues or the language: names and words."""
    return {
        "langs": event_languages(event),
        "venues": {v.id: v.short_name(lang) for v in venues},
        "rooms": {r.id: {"name": r.name(lang), "venue": v.id} for v in venues for r in v.rooms},
        "labels": {
            "move": _("%(title)s moved to %(place)s"),
            "retime": _("%(title)s is now at %(time)s"),
            "cancel": _("%(title)s is cancelled"),
            "restore": _("%(title)s is back on"),
            "add": _("New session: %(title)s, %(place)s, %(time)s"),
            "room_full": _("%(title)s is full"),
            "room_open": _("%(title)s has seats again"),
            "room_open_again": _("%(title)s is open again"),
            "more": _("+%(n)s more"),
            "stream_live": _("%(title)s is streaming live"),
            "stream_ended": _("%(title)s stream has ended"),
            "stream_scheduled": _("%(title)s stream is scheduled"),
            "undo": _("Change undone: %(title)s"),
            "announce": _("Announcement"),
            "retract": _("Announcement withdrawn"),
            "venues": _("The venues were updated."),
            "live": pgettext("connection", "Live"),
            "reconnecting": _("Reconnecting…"),
            "offline": _("Offline"),
            "starred": _("Starred"),
            "online": _("Online"),
            "now": _("Now"),
            "next": _("Next"),
            "nothing": _("Nothing on now."),
            "nothing_today": _("Nothing more today in this room."),
            "cancelled": _("Cancelled"),
            "dismiss": _("Dismiss"),
        },
    }
