"""A text in the event's languages, read in any language with a fallback; the codes that name languages."""

from collections.abc import Mapping, Sequence
from typing import Annotated

from pydantic import ConfigDict, Field, RootModel, StringConstraints, model_serializer

from webapp.text import TEXT

# The interface's languages, and the default event's: every text can be read in each of them.
LANGS = ("ko", "en")
# A language code (ISO 639-1/2, an optional BCP 47 subtag): "de", "en", "pt-br".
LANG_PATTERN = r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$"
LangCode = Annotated[str, StringConstraints(pattern=LANG_PATTERN)]
# The spoken language(s) of a session: codes joined by "-", as the default event's "ko-en".
SPOKEN_PATTERN = r"^[a-z]{2,3}(?:-[a-z]{2,3}){0,2}$"
SpokenLanguages = Annotated[str, StringConstraints(pattern=SPOKEN_PATTERN, max_length=10)]

# Long enough for an abstract or a description; titles and names are held to TITLE_MAX on load.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), TEXT]
TITLE_MAX = 500


class Localized(RootModel[Annotated[dict[LangCode, Text], Field(min_length=1)]]):
    """A text in one or more languages: {"de": "...", "en": "..."}; a missing one falls back."""

    model_config = ConfigDict(frozen=True)

    def get(self, lang: str) -> str:
        """Return the text in lang, else in English, else in the first language it has: pick's rule (the one
        fallback rule), through English, for a text read outside an event's languages (a data file's)."""
        return pick(self.root, lang, ("en",))

    @property
    def ko(self) -> str:
        return self.get("ko")

    @property
    def en(self) -> str:
        return self.get("en")

    @property
    def translations(self) -> dict[str, str]:
        """Return only the languages the file gives, without fallbacks."""
        return dict(self.root)

    @model_serializer
    def _dump(self) -> dict[str, str]:
        # Until every reader asks get(lang), a dumped text carries each interface language too
        # (filled by the fallback), so code that indexes text["ko"] keeps working for any event.
        return {**{lang: self.get(lang) for lang in LANGS}, **self.root}


# --- reading a text in the page's language: the one helper every page, export and screen uses ---

LocalizedText = Mapping[str, str] | Localized | None


def event_languages(event: object = None) -> tuple[str, ...]:
    """Return the event's languages in order of preference (ko, en for the embedded event).

    event is an EventData, or None; it is read by attribute so that this module, which the data
    file models build on, does not import the module that loads them.
    """
    return tuple(getattr(getattr(event, "event", None), "languages", None) or LANGS)


def pick(text: LocalizedText, lang: str, langs: Sequence[str] = LANGS) -> str:
    """Return text in lang, else in the first of langs it has, else in any language it has ('' for none)."""
    if not text:
        return ""
    if isinstance(text, Localized):
        text = text.translations
    for candidate in (lang, *langs):
        if text.get(candidate):
            return text[candidate]
    return next((value for value in text.values() if value), "")


def own_texts(text: LocalizedText) -> dict[str, str]:
    """Return the languages a text gives, without fallbacks or empty ones: what the database stores."""
    if not text:
        return {}
    if isinstance(text, Localized):
        text = text.translations
    return {lang: value for lang, value in text.items() if value}


def with_fallbacks(text: LocalizedText, langs: Sequence[str] = LANGS) -> dict[str, str]:
    """Return text as the API and the socket payloads show texts: each interface language (LANGS) filled
    by pick through langs, then every language the text has ({"ko": ..., "en": ..., "de": ...})."""
    own = own_texts(text)
    return {**{lang: pick(own, lang, langs) for lang in LANGS}, **own}


def in_every_language(text: LocalizedText, langs: Sequence[str] = LANGS, sep: str = " / ") -> str:
    """Return text in each of langs it has (each wording once, in order), joined by sep."""
    if not text:
        return ""
    if isinstance(text, Localized):
        text = text.translations
    wordings = [pick(text, lang, langs) for lang in (*langs, *text)]
    return sep.join(dict.fromkeys(w for w in wordings if w))
