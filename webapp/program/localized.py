"""One way to show a localized text: a mapping language -> text (or the data files' Localized)."""

from collections.abc import Mapping, Sequence

from webapp.program.eventdata import LANGS, EventData, Localized

LocalizedText = Mapping[str, str] | Localized | None


def event_languages(event: EventData | None = None) -> tuple[str, ...]:
    """Return the event's languages in order of preference (the data files carry ko and en today)."""
    # The one place to read an event's own language list once the event data carries one (issue 11).
    return tuple(getattr(getattr(event, "event", None), "languages", None) or LANGS)


def pick(text: LocalizedText, lang: str, langs: Sequence[str] = LANGS) -> str:
    """Return text in lang, else in the first of langs it has, else in any language it has ('' for none)."""
    if not text:
        return ""
    if isinstance(text, Localized):
        return text.get(lang)
    for candidate in (lang, *langs):
        if text.get(candidate):
            return text[candidate]
    return next((value for value in text.values() if value), "")


def in_every_language(text: LocalizedText, langs: Sequence[str] = LANGS, sep: str = " / ") -> str:
    """Return text in each of langs it has (each wording once, in order), joined by sep."""
    if not text:
        return ""
    if isinstance(text, Localized):
        text = text.model_dump()
    wordings = [pick(text, lang, langs) for lang in (*langs, *text)]
    return sep.join(dict.fromkeys(w for w in wordings if w))
