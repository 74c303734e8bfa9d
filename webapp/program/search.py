"""Search the program: fold texts the same way everywhere, index them once per data version, rank, mark.

One rule for what matches, shared with the browser (static/js/search.js, held equal by
tests/program/test_search_parity.py):

- texts are compared folded (webapp/folding.py): NFKC, lower case, ß -> ss, accents dropped (é -> e), Hangul kept whole;
- German umlauts match both ways: "Müller" is found by "müller", "mueller" and "muller";
- spaces and punctuation are left out on both sides, so Korean matches without spaces ("간호정보학"
  finds "간호 정보학") and any part of a word matches (a substring, not whole words);
- each word of the query must match somewhere; a session ranks by where: title, then subtitle,
  speakers, track and room, then the abstract and description.
"""

import dataclasses
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from webapp.folding import across_spaces, fold, fold_mapped
from webapp.ids import speaker_id
from webapp.localized import pick

# Longest query read; the rest is ignored (a query is a few words, not a document).
MAX_QUERY = 200
# Where a word matched, and what that is worth; the order is the ranking's.
WEIGHTS = {"title": 8, "subtitle": 6, "speakers": 4, "track": 2, "room": 2, "abstract": 1}
TITLE_WHOLE, TITLE_START = 5, 3


def query_terms(q: str | None) -> list[str]:
    """Return the folded words of a query (each must match); [] when there is nothing to look for."""
    return list(_query_terms(q or ""))


@functools.lru_cache(maxsize=256)
def _query_terms(q: str) -> tuple[str, ...]:
    # Kept: a search page marks a few hundred texts with the same query.
    words = q[:MAX_QUERY].split()
    return tuple(dict.fromkeys(t for t in (fold(w) for w in words) if t))


# --- the index -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speaker:
    """A person the program names as a speaker, with every session they speak at."""

    id: str
    name: dict[str, str]
    affiliation: dict[str, str] | None
    session_ids: tuple[str, ...]

    def label(self, lang: str) -> str:
        """Return the speaker's name in lang (or the language the data has)."""
        return pick(self.name, lang)


@dataclass(frozen=True)
class Folded:
    """A text folded both ways (umlauts as ae/oe/ue and as a/o/u), with and without its spaces."""

    ae: str
    a: str
    ae_joined: str
    a_joined: str

    @classmethod
    def of(cls, texts: Iterable[str]) -> "Folded":
        texts = [t for t in texts if t]
        ae = "|".join(fold(t, spaces=True) for t in texts)
        a = "|".join(fold(t, "a", spaces=True) for t in texts)
        return cls(ae, a, ae.replace(" ", ""), a.replace(" ", ""))

    def has(self, term: str, joined: bool | None = None) -> bool:
        """Tell whether a folded word is in the text; joined: ignore spaces (across_spaces(term) if None)."""
        if joined is None:
            joined = across_spaces(term)
        if joined:
            return term in self.ae_joined or term in self.a_joined
        return term in self.ae or term in self.a


@dataclass(frozen=True)
class Entry:
    """What search reads of one session: its fields, folded, in the ranking's order."""

    fields: dict[str, Folded]
    title: str  # folded titles, for the ranking's bonus
    everything: Folded

    @property
    def ranked(self) -> tuple[tuple[str, tuple[str, str, str, str]], ...]:
        """Return (field, its four foldings) in the ranking's order: the search loop's fast form."""
        return self._ranked  # type: ignore[attr-defined]

    def __post_init__(self) -> None:
        ranked = tuple(
            (name, (f.ae, f.a, f.ae_joined, f.a_joined)) for name, f in self.fields.items() if f.ae
        )
        object.__setattr__(self, "_ranked", ranked)
        every = self.everything
        object.__setattr__(self, "_every", (every.ae, every.a, every.ae_joined, every.a_joined))


@dataclass
class SearchIndex:
    """The program's sessions, rooms and speakers, folded once per data version."""

    version: str
    sessions: dict[str, Entry] = field(default_factory=dict)
    rooms: dict[str, Folded] = field(default_factory=dict)
    speakers: dict[str, Speaker] = field(default_factory=dict)
    speaker_names: dict[str, Folded] = field(default_factory=dict)
    # For each session, its speakers' ids in the data's order.
    speakers_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # What the browser's search (static/js/search.js) needs besides /api/sessions: names by id.
    names: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _texts(localized) -> list[str]:
    if localized is None:
        return []
    return list(dict.fromkeys(localized.translations.values()))


# One speaker as the data names them at one session: (pretalx/frab id or None, name, affiliation).
SpeakerRef = tuple[str | None, dict[str, str], dict[str, str] | None]


def _collect_speakers(
    sessions: Iterable[tuple[str, list[SpeakerRef]]], known: dict[str, Speaker] | None = None
) -> tuple[dict[str, Speaker], dict[str, tuple[str, ...]]]:
    """Return the speakers of sessions (id, speakers), known ones (by id) extended; and each session's."""
    found: dict[str, dict] = {
        key: {"name": sp.name, "affiliation": sp.affiliation, "sessions": list(sp.session_ids)}
        for key, sp in (known or {}).items()
    }
    speakers_of: dict[str, tuple[str, ...]] = {}
    for session_id, refs in sessions:
        ids = []
        for raw_id, name, affiliation in refs:
            key = speaker_id(raw_id, name.values())
            ids.append(key)
            entry = found.setdefault(key, {"name": name, "affiliation": None, "sessions": []})
            if affiliation and not entry["affiliation"]:
                entry["affiliation"] = affiliation
            if session_id not in entry["sessions"]:
                entry["sessions"].append(session_id)
        speakers_of[session_id] = tuple(dict.fromkeys(ids))
    speakers = {
        key: Speaker(key, e["name"], e["affiliation"], tuple(e["sessions"])) for key, e in found.items()
    }
    return speakers, speakers_of


def _speaker_names(speakers: dict[str, Speaker]) -> dict[str, Folded]:
    return {
        key: Folded.of([*sp.name.values(), *(sp.affiliation or {}).values()]) for key, sp in speakers.items()
    }


def build_index(event) -> SearchIndex:
    """Return the search index of an event (EventData): every session's texts and every room's names."""
    index = SearchIndex(event.version)
    index.speakers, index.speakers_of = _collect_speakers(
        (
            s.id,
            [
                (sp.id, sp.name.translations, sp.affiliation and sp.affiliation.translations)
                for sp in s.speakers
            ],
        )
        for s in event.program.sessions
    )
    index.speaker_names = _speaker_names(index.speakers)
    index.names = {"tracks": {t.id: _texts(t.name) for t in event.program.tracks}, "rooms": {}}
    for feature in event.venues:
        venue = feature.properties
        for room in venue.rooms:
            texts = list(dict.fromkeys([*_texts(room.name), *_texts(venue.short_name)]))
            index.names["rooms"][room.id] = texts
            index.rooms[room.id] = Folded.of(texts)
    for s in event.program.sessions:
        track = event.tracks_by_id.get(s.track)
        index.sessions[s.id] = _entry(
            _texts(s.title),
            _texts(s.subtitle),
            [n for sp in s.speakers for n in _texts(sp.name)],
            _texts(track.name) if track else [s.track],
            [*_texts(s.abstract), *_texts(s.description)],
        )
    return index


def _entry(
    title: list[str], subtitle: list[str], speakers: list[str], track: list[str], abstract: list[str]
) -> Entry:
    fields = {
        "title": Folded.of(title),
        "subtitle": Folded.of(subtitle),
        "speakers": Folded.of(speakers),
        "track": Folded.of(track),
        "abstract": Folded.of(abstract),
    }
    every = [f for f in fields.values() if f.ae]
    return Entry(
        fields,
        fields["title"].ae_joined,
        Folded(*("|".join(getattr(f, name) for f in every) for name in ("ae", "a", "ae_joined", "a_joined"))),
    )


def add_sessions(index: SearchIndex, sessions, tracks_by_id: dict) -> None:
    """Index sessions the data files do not hold (added by staff since the import), each once.

    sessions are stored sessions (models.Session: titles in their languages, details as loaded); an added session
    is never removed (undoing an add calls it off), so the index only grows until the data version changes.
    """
    for s in sessions:
        details = s.details or {}
        track = tracks_by_id.get(s.track_id)

        def texts(key: str, details=details) -> list[str]:
            return list(dict.fromkeys((details.get(key) or {}).values()))

        index.sessions[s.id] = _entry(
            list(dict.fromkeys(s.titles.values())),
            texts("subtitle"),
            [n for sp in details.get("speakers", []) for n in dict.fromkeys(sp["name"].values())],
            _texts(track.name) if track else [s.track_id],
            [*texts("abstract"), *texts("description")],
        )


def with_added_speakers(index: SearchIndex, sessions) -> SearchIndex:
    """Return index with the speakers of sessions added by staff (stored sessions) among its speakers.

    The index is shared by every database of the same data version (and kept per process), so what staff
    added is laid over it for each answer, never written into it: index itself is left as it is.
    """
    refs = [
        (
            s.id,
            [
                (sp.get("id"), sp["name"], sp.get("affiliation"))
                for sp in (s.details or {}).get("speakers", [])
            ],
        )
        for s in sessions
    ]
    if not any(speakers for _, speakers in refs):
        return index
    speakers, speakers_of = _collect_speakers(refs, index.speakers)
    changed = {key: sp for key, sp in speakers.items() if index.speakers.get(key) != sp}
    return dataclasses.replace(
        index,
        speakers=speakers,
        speaker_names={**index.speaker_names, **_speaker_names(changed)},
        speakers_of={**index.speakers_of, **speakers_of},
    )


_built: dict[str, SearchIndex] = {}


def index_for(event) -> SearchIndex:
    """Return the event's search index, built once per data version (the last few are kept)."""
    index = _built.get(event.version)
    if index is None:
        index = build_index(event)
        while len(_built) >= 4:
            _built.pop(next(iter(_built)))
        _built[event.version] = index
    return index


# --- asking it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A session that matches, and its score (the sum over the query's words of where each matched)."""

    session_id: str
    score: int


def _score(entry: Entry, room: Folded | None, terms: Sequence[tuple[str, bool]], whole: str) -> int | None:
    total = 0
    every = entry._every  # type: ignore[attr-defined]
    for term, joined in terms:
        k = 2 if joined else 0
        best = 0
        if term in every[k] or term in every[k + 1]:
            for name, texts in entry.ranked:
                if term in texts[k] or term in texts[k + 1]:
                    best = WEIGHTS[name]
                    break
        if best < WEIGHTS["room"] and room is not None and room.has(term, joined):
            best = WEIGHTS["room"]
        if not best:
            return None
        total += best
    if whole and whole in entry.title:
        total += TITLE_WHOLE
        if any(t.startswith(whole) for t in entry.title.split("|")):
            total += TITLE_START
    return total


def search(index: SearchIndex, q: str | None, sessions: Iterable[tuple[str, str | None]]) -> list[Hit]:
    """Return the sessions (id, current room id) that match q, best first (ties keep the given order)."""
    terms = [(term, across_spaces(term)) for term in query_terms(q)]
    if not terms:
        return []
    whole = fold(q or "")[: MAX_QUERY * 2]
    hits = []
    for position, (session_id, room_id) in enumerate(sessions):
        entry = index.sessions.get(session_id)
        if entry is None:
            continue
        score = _score(entry, index.rooms.get(room_id), terms, whole)
        if score is not None:
            hits.append((-score, position, session_id))
    return [Hit(session_id, -negative) for negative, _, session_id in sorted(hits)]


def find_speakers(index: SearchIndex, q: str | None, lang: str) -> list[Speaker]:
    """Return the speakers whose name (or affiliation) matches every word of q, by name; all for no q."""
    terms = query_terms(q)
    found = [sp for key, sp in index.speakers.items() if all(index.speaker_names[key].has(t) for t in terms)]
    return sorted(found, key=lambda sp: (fold(sp.label(lang), "a"), sp.id))


# --- marking what matched ------------------------------------------------------------------------


def match_spans(text: str, q: str | None) -> list[tuple[int, int]]:
    """Return the [start, end) spans of text that the words of q match, merged, in order."""
    terms = _query_terms(q or "")
    if not text or not terms:
        return []
    return list(_spans(unicodedata.normalize("NFC", text), terms))


@functools.lru_cache(maxsize=8192)
def _folded(text: str) -> Folded:
    # Kept across queries: the texts a search page marks (titles, names, rooms) are the program's own.
    return Folded.of([text])


# One folding of a text and where each of its characters came from: with its spaces, then without them.
Mapped = tuple[str, list[int], str, list[int]]


@functools.lru_cache(maxsize=8192)
def _mapped(text: str) -> tuple[Mapped, ...]:
    # Kept across queries, like _folded: a word found in a text is looked for in these, not by folding the
    # text again character by character for each query. One for an ASCII text (nothing to spell two ways).
    maps = []
    for umlauts in ("ae",) if text.isascii() else ("ae", "a"):
        spaced, where = fold_mapped(text, umlauts, spaces=True)
        joined_at = [i for c, i in zip(spaced, where, strict=True) if c != " "]
        maps.append((spaced, where, spaced.replace(" ", ""), joined_at))
    return tuple(maps)


@functools.lru_cache(maxsize=1024)
def _spans(text: str, terms: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    # Kept for a while: a search page marks the same room and track names on many of its rows.
    folded = _folded(text)
    if not any(folded.has(t) for t in terms):
        return ()  # most texts shown do not hold the words: no character-by-character pass for them
    spans = []
    for spaced, where, joined, joined_at in _mapped(text):
        for term in terms:
            # A word of a script without spaces (Korean) is looked for with the spaces left out.
            folded_text, at = (joined, joined_at) if across_spaces(term) else (spaced, where)
            start = folded_text.find(term)
            while start != -1:
                spans.append((at[start], at[start + len(term) - 1] + 1))
                start = folded_text.find(term, start + 1)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


def highlight(text: str | None, q: str | None) -> Markup:
    """Return text, escaped, with what q matches in <mark>; text from anyone stays text."""
    text = unicodedata.normalize("NFC", text or "")
    spans = match_spans(text, q)
    if not spans:  # most texts a search page shows hold none of the words
        return escape(text)
    # Every part of text escaped, joined as strings with the marks between (a page marks a few hundred
    # texts: Markup.format and Markup.join cost three times as much).
    out, last = [], 0
    for start, end in spans:
        out += (escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>")
        last = end
    out.append(escape(text[last:]))
    return Markup("".join(out))  # noqa: S704 -- each part of text is escaped above
