"""Helpers every template can use: language, localized text, dates, and links that keep the query."""

from datetime import UTC, date, datetime
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from flask import Flask, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from webapp.localized import event_languages
from webapp.localized import pick as pick_text
from webapp.web.assets import vendor_url
from webapp.web.context import current_event, page_lang
from webapp.web.i18n import clock_time, place_text


def url_with(**changes) -> str:
    """Return this page's URL with some query arguments changed (None drops one)."""
    args = {k: v for k, v in request.args.items() if k not in changes}
    args.update({k: v for k, v in changes.items() if v is not None})
    if request.endpoint is None:  # an error page for a URL no route matched
        return f"{request.path}?{urlencode(args)}" if args else request.path
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def day_label(day: date) -> str:
    """Return a short day label in the page's language, e.g. 'Wed, Nov 29' or '11월 29일 (수)'."""
    # Korean writes the weekday right after the date: "11월 30일(목)", not "11월 30일 (목)".
    return format_skeleton("MMMEd", day, locale=get_locale()).replace(" (", "(")


def language_label(code: str) -> str:
    """Return a session's language(s) each in its own name, e.g. 'ko-en' -> '한국어 / English'."""
    names = []
    for part in code.replace(",", "-").split("-"):
        try:
            names.append(Locale.parse(part.strip()).get_display_name() or part)
        except (ValueError, UnknownLocaleError):
            names.append(part.strip())
    return " / ".join(names)


def mode_label(mode: str) -> str:
    """Return how a session is held, in words."""
    return {"in_person": _("In person"), "online": _("Online"), "hybrid": _("Hybrid")}.get(mode, mode)


def rendered_label() -> str:
    """Return when this page is rendered, in the event's zone (shown when it is later read from a cache)."""
    tz = current_event().tz
    now = datetime.now(UTC).astimezone(tz)
    return f"{format_date(now, 'medium', rebase=False)} {clock_time(now, tz)}"


def _context() -> dict:
    event = current_event()
    lang = page_lang()
    sample = datetime.combine(event.event.days[0], datetime.min.time(), tzinfo=event.tz)
    offset = sample.utcoffset().total_seconds() / 3600
    return {
        "event": event,
        "lang": lang,
        "langs": event_languages(event),
        "pick": lambda text: pick_text(text, lang),
        "zone_label": f"{sample.tzname()}, UTC{offset:+g}",
        "clock": None,
    }


def init_app(app: Flask) -> None:
    """Register the template helpers every page shares (a feature registers its own in its init_app)."""
    app.context_processor(_context)
    app.jinja_env.globals.update(
        url_with=url_with,
        day_label=day_label,
        clock_time=lambda moment: clock_time(moment, current_event().tz),
        mode_label=mode_label,
        language_label=language_label,
        vendor_url=vendor_url,
        rendered_label=rendered_label,
        place_text=place_text,
    )
