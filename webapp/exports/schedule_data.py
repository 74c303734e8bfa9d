"""What every export says about the program: versions, stable ids, and each session's words.

Like pretalx's ScheduleData, one builder serves the iCalendar, frab/c3voc and GeoJSON exports.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.live.log import head_seq
from webapp.localized import LocalizedText, event_languages, in_every_language, pick
from webapp.models import Change, Session
from webapp.program.eventdata import EventData
from webapp.web.clock import day_start
from webapp.web.i18n import in_each_language

# Fixed forever: every guid in the exports is uuid5(this, a stable id), so apps that remember
# favourites by guid keep them across restarts, re-imports and moves.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:venue-live:schedule")

# The words the exports write around the data, translated in the catalogue like every interface word.
WORDS = {
    "speakers": _l("Speakers"),
    "format": _l("Format"),
    "stream": _l("Stream"),
    "cancelled": _l("Cancelled"),
    "online": _l("Online"),
    "sourced": _l("Sourced"),
    "reconstructed": _l("Reconstructed"),
    "in_person": _l("In person"),
    "hybrid": _l("In person and streamed"),
    "online_only": _l("Online only"),
}


def guid(kind: str, ident: str, event: EventData) -> str:
    """Return the stable UUID of a session, room or person of this event."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{event.event.id}/{kind}/{ident}"))


def numeric_id(session_id: str, event: EventData) -> int:
    """Return a stable positive integer for a session (frab's legacy id; below 2**31 for Java apps)."""
    return int(uuid.UUID(guid("session", session_id, event)).hex[:8], 16) % (2**31 - 1) + 1


def export_version(event: EventData) -> str:
    """Return the program's version: the data files' version and the last staff change's seq."""
    return f"{event.version}-{head_seq()}"


def data_time(event: EventData) -> datetime:
    """Return the fixed time the exports claim for data no staff change has touched (first day, 00:00)."""
    return day_start(event.event.days[0], event.tz)


def last_modified(event: EventData) -> datetime:
    """Return when the program last changed: the newest staff change, else the data's fixed time."""
    newest = db.session.scalar(sa.select(sa.func.max(Change.at)))
    return newest or data_time(event)


def session_modified(session_ids: list[str], event: EventData) -> dict[str, datetime]:
    """Return when each session was last changed by staff (the data's fixed time when never)."""
    query = (
        sa.select(Change.session_id, sa.func.max(Change.at))
        .where(Change.session_id.in_(session_ids))
        .group_by(Change.session_id)
    )
    changed = {sid: at for sid, at in db.session.execute(query)}
    return {sid: changed.get(sid) or data_time(event) for sid in session_ids}


def session_url(s: Session, base_url: str) -> str:
    """Return the absolute address of a session's page."""
    return f"{base_url.rstrip('/')}/sessions/{s.id}"


@dataclass
class ScheduleData:
    """An export's view of the program: the event, one language (None: every language) and its words."""

    event: EventData
    base_url: str
    lang: str | None = None
    langs: tuple[str, ...] = ()
    words: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.langs = self.langs or event_languages(self.event)
        self.words = self.words or in_each_language(WORDS, self.langs)

    def say(self, text: LocalizedText, sep: str = " / ") -> str:
        """Return a localized text in the export's language, or in every language when it has none."""
        if self.lang is not None:
            return pick(text, self.lang, self.langs)
        return in_every_language(text, self.langs, sep)

    def word(self, key: str) -> str:
        """Return one of the export words (WORDS) as say() would."""
        return self.say(self.words[key])

    def title(self, s: Session) -> str:
        """Return the title, marked when cancelled so calendars that ignore STATUS still show it."""
        title = self.say(s.text("title"))
        return f"{self.word('cancelled')}: {title}" if s.status == "cancelled" else title

    def facts(self, s: Session) -> list[str]:
        """Return the lines describing speakers, format, stream, cancellation and provenance."""
        lines = []
        speakers = [
            self.say(p["name"]) + (f" ({self.say(p['affiliation'])})" if p.get("affiliation") else "")
            for p in s.details.get("speakers", [])
        ]
        if speakers:
            lines.append(f"{self.word('speakers')}: {', '.join(speakers)}")
        lines.append(f"{self.word('format')}: {self.word('online_only' if s.mode == 'online' else s.mode)}")
        if s.stream_url:
            lines.append(f"{self.word('stream')}: {s.stream_url}")
        if s.status == "cancelled":
            lines.append(self.word("cancelled") + (f": {s.status_reason}" if s.status_reason else ""))
        note = self.say(s.details.get("note"), sep="\n")
        lines.append(self.word(s.provenance) + (f": {note}" if note else ""))
        return lines

    def location(self, s: Session) -> str:
        """Return venue, room and address, or 'Online' and the stream link for an online-only session."""
        if s.venue is None:
            return f"{self.word('online')}: {s.stream_url or ''}".strip(": ")
        venue = self.say(s.venue.text("name"))
        room = self.say(s.room.text("name")) if s.room else ""
        # The first language when none is asked for: map apps find an address best in the country's own.
        address = pick(s.venue.properties.get("address"), self.lang or self.langs[0], self.langs)
        return ", ".join(part for part in (venue, room, address) if part)
