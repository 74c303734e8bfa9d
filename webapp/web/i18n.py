"""The page language (Korean or English, from ?lang=, then a cookie, then Accept-Language), its times and places."""

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo

from babel import Locale, UnknownLocaleError
from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, force_locale, format_time

from webapp.extensions import current_event
from webapp.localized import LANGS

# The interface's languages (the catalogue translates into them): the one list, webapp/localized.py's.
LANGUAGES = LANGS
COOKIE = "lang"

# The 24-hour clock the event's own program prints (static/js/event-time.js shows changed times alike).
TIME_PATTERN = "HH:mm"

babel = Babel()


def clock_time(moment: datetime, tz: tzinfo) -> str:
    """Return the clock time a person reads in the event's time zone, e.g. 14:00."""
    return format_time(moment.astimezone(tz), TIME_PATTERN, rebase=False)


def time_range(start: datetime, end: datetime, tz: tzinfo) -> str:
    """Return a session's times in the event's time zone, e.g. 14:00–15:30."""
    return f"{clock_time(start, tz)}–{clock_time(end, tz)}"


def place_text(venue: str | None, room: str | None, online: str) -> str:
    """Return where a session is, in one line: "KINS Tower · 7F Auditorium", the venue alone, or online.

    Written alike by static/js/text.js placeText (tests/browser/test_shared_modules.py holds them equal);
    the templates call it as place_text (webapp/web/templating.py).
    """
    if not venue:
        return online
    return f"{venue} · {room}" if room else venue


def in_each_language(words: Mapping[str, object], langs: Iterable[str]) -> dict[str, dict[str, str]]:
    """Return {key: {lang: word}} for catalogue words (lazy_gettext) in each of langs."""
    out: dict[str, dict[str, str]] = {key: {} for key in words}
    for lang in langs:
        with force_locale(lang):
            for key, word in words.items():
                out[key][lang] = str(word)
    return out


def language_name(code: str, lang: str) -> str:
    """Return a language's name in lang, from the CLDR (babel): language_name("de", "ko") is "독일어"."""
    try:
        return Locale.parse(lang).languages.get(code.split("-")[0], code)
    except (ValueError, UnknownLocaleError):
        return code


# Each interface language in its own name, for the language switch: {"ko": "한국어", "en": "English"}.
LANGUAGE_NAMES = {code: language_name(code, code) for code in LANGUAGES}


def offered_languages(event_langs: Iterable[str]) -> list[str]:
    """Return the interface languages an event offers: those of its languages the catalogue has, else English."""
    return [lang for lang in event_langs if lang in LANGUAGES] or ["en"]


def select_locale() -> str:
    """Return the language to show this request in (Korean outside a request, e.g. a push notice)."""
    if not has_request_context():  # background work names its language with force_locale
        return "ko"
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    # A browser asking for neither gets the event's own first language the interface has (English abroad).
    fallback = offered_languages(getattr(current_event().event, "languages", LANGUAGES))[0]
    return request.accept_languages.best_match(LANGUAGES) or fallback


def _remember_choice(response: Response) -> Response:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="Lax")
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and remember a language picked with ?lang=."""
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", current_event(app).event.timezone)
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
