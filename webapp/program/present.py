"""Turn models into what a page shows, in one language and the event's time zone."""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import pgettext
from markupsafe import Markup

from webapp.localized import event_languages, pick
from webapp.models import Session, Venue
from webapp.program.eventdata import EventData
from webapp.program.search import fold
from webapp.travel import service as travel
from webapp.web.clock import EventClock
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
                _("Approximate location (within about %(m)d m).", m=round(venue.accuracy_m)),
                pick(props.get("position_note"), lang),
            )
        )
        if approximate
        else "",
        "station": _(
            "Nearest station: %(name)s, about %(m)d m",
            name=pick(station["name"], lang),
            m=station["distance_m"],
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
    venues: list[Venue],
    seq: int,
    announcements: list,
    clock: EventClock | None = None,
) -> dict:
    """Return what every page script needs: seq, the clock, languages, names, words, announcements."""
    return {
        "event": event.event.id,
        "seq": seq,
        "lang": lang,
        "langs": event_languages(event),
        "tz": event.event.timezone,
        "clock": clock_data(clock),
        "venues": {v.id: v.short_name(lang) for v in venues},
        "rooms": {r.id: {"name": r.name(lang), "venue": v.id} for v in venues for r in v.rooms},
        "announcements": [a.to_dict() for a in announcements],
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


# --- Travel: distances, walking estimates, directions -------------------------------------------


def app_label(app: str) -> str:
    """Return the name of a maps app in the page's language."""
    return {
        "kakao": _("KakaoMap"),
        "naver": _("Naver Map"),
        "google": _("Google Maps"),
        "osm": _("OpenStreetMap"),
        "apple": _("Apple Maps"),
    }[app]


def offered_apps(event: EventData, setting: list[str] | None = None) -> tuple[str, ...]:
    """Return the maps apps this event's directions offer: the setting, the event's data, else by country."""
    points = [(lat, lon) for lon, lat in (f.lon_lat for f in event.venues if f.geometry is not None)]
    return travel.directions_apps(setting or event.event.directions, points)


def distance_label(metres: float) -> str:
    """Return a distance as people read it: 180 m, 1.8 km."""
    if metres < 1000:
        return f"{int(metres / 10 + 0.5) * 10} m"
    return f"{metres / 1000:.1f} km"


def method_text() -> str:
    """Return how walking times are estimated, in words."""
    return _(
        "Walking times are estimates: the straight line × %(factor)s for streets and crossings, "
        "at %(speed)s km/h, rounded up to the minute.",
        factor=travel.DETOUR_FACTOR,
        speed=travel.WALKING_SPEED_KMH,
    )


def directions_view(venue: Venue, lang: str) -> list[dict]:
    """Return the directions links to venue with their labels."""
    apps = offered_apps(current_app.extensions["event"], current_app.config.get("DIRECTIONS_APPS"))
    return [{**link, "label": app_label(link["app"])} for link in travel.directions_links(venue, lang, apps)]


def directions_html(venue: Venue, lang: str) -> Markup:
    """Return the 'Directions' action: links to turn-by-turn directions, each opening a new tab."""
    links = Markup(" ").join(
        Markup('<a href="{}" target="_blank" rel="noopener" data-app="{}">{}</a>').format(
            link["url"], link["app"], link["label"]
        )
        for link in directions_view(venue, lang)
    )
    return Markup('<p class="directions"><span class="directions__label">{}</span> {}</p>').format(
        _("Directions"), links
    )


def travel_rows(venue: Venue, venues: list[Venue], lang: str) -> list[dict]:
    """Return the venue page's travel table: from venue to each other venue."""
    legs = travel.travel_matrix(venues)[venue.id]
    return [
        {
            "id": other.id,
            "name": other.short_name(lang),
            "distance": distance_label(legs[other.id]["distance_m"]),
            "walking": _("about %(minutes)s min", minutes=legs[other.id]["walking_minutes"]),
            "hint": pick(legs[other.id]["transit_hint"], lang),
            "approximate": legs[other.id]["approximate"],
            "directions": directions_html(other, lang),
        }
        for other in venues
        if other.id in legs
    ]


def locate_data(venues: list[Venue], lang: str) -> dict:
    """Return what the map page's locate-me needs: venue points, the walking method and bands, words."""
    return {
        "method": travel.method(),
        "walk_bands": travel.walking_bands(),
        "venues": [
            {
                "id": v.id,
                "name": v.short_name(lang),
                "lat": v.lat,
                "lon": v.lon,
                "directions": directions_view(v, lang),
            }
            for v in venues
        ],
        "labels": {
            "finding": _("Finding your position…"),
            "found": _(
                "Nearest venue: %(venue)s, %(distance)s straight line, about %(minutes)s min on foot."
            ),
            "far": _(
                "Nearest venue: %(venue)s, %(distance)s straight line, more than %(minutes)s min on foot."
            ),
            "you": _("You are here"),
            "directions": _("Directions"),
            "denied": _(
                "Location permission was denied, so your position is not shown. Everything else works."
            ),
            "unavailable": _("Your position could not be found just now. Everything else works."),
        },
    }


def agenda_page_data(
    lang: str, event: EventData, venues: list[Venue], at: datetime | None, days: dict
) -> dict:
    """Return what the agenda page script needs: the moment asked for (?at=), day labels, venues, words."""
    return {
        "at": at.isoformat() if at else None,
        "days": days,
        "method": travel.method(),
        "venues": {
            v.id: {"name": v.short_name(lang), "directions": directions_view(v, lang)} for v in venues
        },
        "labels": {
            "gap": _("%(minutes)s min between"),
            "transfer": _("%(distance)s straight line, about %(minutes)s min on foot"),
            "same_venue": _("Same venue"),
            "late": _(
                "%(from_time)s %(from_venue)s → %(to_time)s %(to_venue)s: %(distance)s, "
                "about %(minutes)s min on foot: you will be late"
            ),
            "overlap": _("Overlaps %(title)s"),
            "online": _("Online: no travel needed"),
            "cancelled": _("Cancelled"),
            "approximate": _("approximate location"),
            "next": _("Your next session"),
            "leave_by": _("Leave by %(time)s"),
            "from_position": _(
                "from where you are: %(distance)s straight line, about %(minutes)s min on foot"
            ),
            "from_venue": _("from %(venue)s: %(distance)s straight line, about %(minutes)s min on foot"),
            "from_same_venue": _("from %(venue)s: same building"),
            "no_origin": _("Use your location to get a leave-by time."),
            "too_late": _("At this pace you will be late."),
            "directions": _("Directions"),
            "star": _("Star"),
            "updated": _("Changed just now"),
            "finding": _("Finding your position…"),
            "denied": _("Location permission was denied; leave-by times use the previous venue."),
            "unavailable": _("Your position could not be found; leave-by times use the previous venue."),
            "error": _("The agenda could not be loaded. Check your connection and reload."),
        },
    }
