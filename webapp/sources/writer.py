"""Turn a read schedule and its placed rooms into program.json, check it loads, and write both files."""

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from webapp.program.eventdata import TITLE_MAX, EventDataError, load_event
from webapp.sources.model import ScheduleError, SourceSchedule, SourceSession, web_url
from webapp.sources.rooms import Placement, slugify

PALETTE = ("#1f6feb", "#b42318", "#0a6e47", "#8250df", "#bf5b04", "#0e7490", "#9a3412", "#4d7c0f", "#be185d")
OTHER_TRACK = "other"


@dataclass
class Summary:
    """What an import did: counts, how rooms were placed, what was skipped and what to know."""

    sessions: int = 0
    rooms: dict[str, str] = field(default_factory=dict)
    persons_with_id: int = 0
    persons_without_id: int = 0
    tracks: int = 0
    languages: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What the organiser should check: the time zone assumed, schema deviations, removed characters.
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the summary as lines to print."""
        out = [
            f"{self.sessions} sessions, {self.tracks} tracks, languages {', '.join(self.languages)}",
            f"{len(self.rooms)} rooms matched:",
            *(f"  {source} -> {target}" for source, target in self.rooms.items()),
            f"{self.persons_with_id + self.persons_without_id} persons "
            f"({self.persons_with_id} with an id at the source, {self.persons_without_id} without)",
        ]
        out += (
            [f"Skipped {len(self.skipped)}:", *(f"  {s}" for s in self.skipped)]
            if self.skipped
            else ["Skipped: nothing"]
        )
        out += [f"Note: {n}" for n in self.notes]
        out += [f"Warning: {w}" if not w.startswith(" ") else w for w in self.warnings]
        return out


def session_id(session: SourceSession, acronym: str, placement: Placement | None) -> tuple[str, bool]:
    """Return a stable id for a session and whether it comes from the source's guid or id."""
    if session.guid:
        guid = session.guid.strip().lower()
        slug = slugify(guid, limit=80)
        if slug == guid:
            return slug, True
        return f"s-{hashlib.sha256(guid.encode()).hexdigest()[:20]}", True
    if session.source_id:
        return slugify(f"{acronym}-{session.source_id}", limit=80), True
    # Without any id at the source, the title, time and room are all there is; they change together.
    basis = f"{session.title}|{session.start.isoformat()}|{placement.room if placement else ''}"
    return f"s-{hashlib.sha256(basis.encode()).hexdigest()[:20]}", False


def event_languages(schedule: SourceSchedule) -> list[str]:
    """Return the event's languages: the source's list, else its sessions' (most used first)."""
    if schedule.languages:
        return schedule.languages
    counts: dict[str, int] = {}
    for session in schedule.sessions:
        for code in session.languages:
            counts[code] = counts.get(code, 0) + 1
    return sorted(counts, key=lambda code: -counts[code]) or ["en"]


def tracks_block(
    schedule: SourceSchedule, summary: Summary, lang: str
) -> tuple[list[dict], dict[str | None, str]]:
    """Return the tracks list and the track id of each source track name (None: no track)."""
    names = list(dict.fromkeys(s.track for s in schedule.sessions if s.track))
    tracks, ids = [], {}
    for number, name in enumerate(names):
        ident = slugify(name) or f"track-{number + 1}"
        while ident in ids.values():
            ident = f"{ident}-{number + 1}"
        ids[name] = ident
        color = schedule.track_colors.get(name, "")
        if len(color) != 7 or not color.startswith("#"):
            color = PALETTE[number % len(PALETTE)]
        tracks.append({"id": ident, "name": {lang: name[:TITLE_MAX]}, "color": color})
    if any(not s.track for s in schedule.sessions) or not tracks:
        ids[None] = OTHER_TRACK if OTHER_TRACK not in ids.values() else f"{OTHER_TRACK}-{len(names) + 1}"
        tracks.append({"id": ids[None], "name": {"en": "Other"}, "color": "#6e7781"})
    summary.tracks = len(tracks)
    return tracks, ids


def _texts(session: SourceSession, lang: str) -> dict:
    out = {}
    for key in ("subtitle", "abstract", "description"):
        if value := getattr(session, key):
            out[key] = {lang: value[:20_000]}
    return out


def session_entry(session: SourceSession, ident: str, placement: Placement, track: str, lang: str) -> dict:
    """Return one session as program.json holds it."""
    title = session.title if len(session.title) <= TITLE_MAX else session.title[: TITLE_MAX - 1] + "…"
    entry = {
        "id": ident,
        "title": {lang: title},
        "track": track,
        "speakers": [
            {"name": {lang: p.name[:500]}, **({"id": p.id[:80]} if p.id else {})} for p in session.persons
        ],
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "venue": placement.venue,
        "room": placement.room,
        "mode": "in_person",
        "stream_url": None,
        "language": "-".join(session.languages[:3]) or lang,
        "provenance": "sourced",
        **_texts(session, lang),
        "type": session.type[:80] if session.type else None,
        "links": [
            {"url": url, "title": link.title, "type": link.type}
            for link in session.links
            if (url := web_url(link.url))
        ],
        "do_not_record": session.do_not_record,
        "recording_license": session.recording_license[:200] if session.recording_license else None,
    }
    if session.guid:
        entry["guid"] = session.guid[:80]
    if url := web_url(session.url):
        entry["url"] = url
    return entry


def write_files(program: dict, venues_json: object, out_dir: Path, dry_run: bool) -> None:
    """Check that the files load together, then write both into out_dir (atomically each)."""
    with tempfile.TemporaryDirectory() as tmp:
        venues_tmp, program_tmp = Path(tmp) / "venues.geojson", Path(tmp) / "program.json"
        venues_tmp.write_text(json.dumps(venues_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        program_tmp.write_text(json.dumps(program, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        try:
            load_event(venues_tmp, program_tmp)
        except EventDataError as exc:
            raise ScheduleError(f"The imported event does not load: {exc}") from None
        if dry_run:
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        for written in (venues_tmp, program_tmp):
            target = out_dir / written.name
            staged = out_dir / f".{written.name}.new"
            staged.write_bytes(written.read_bytes())
            os.replace(staged, target)


Progress = Callable[[int], None]
