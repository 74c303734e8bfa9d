"""The event's time zone, never guessed: the source's, --timezone, or the one its times' offsets all agree on.

A schedule that names no zone (some pretalx exports) still gives every time with its UTC offset. When
every offset is the same, that offset is the zone (a fixed one, `Etc/GMT-1` for UTC+01:00), and the
summary says so and why; when they differ (the event spans a daylight-saving change, or the file is
wrong), no single zone fits and the import stops with one sentence naming `--timezone`.
"""

from datetime import timedelta

from webapp.sources.model import ScheduleError, SourceSchedule, known_zone, needs_timezone


def offset_words(offset: timedelta) -> str:
    """Return an offset as UTC+01:00 / UTC-03:30."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def fixed_zone(offset: timedelta) -> str | None:
    """Return the IANA name of a fixed whole-hour offset (UTC, Etc/GMT-1 for UTC+01:00), or None."""
    seconds = int(offset.total_seconds())
    if seconds == 0:
        return "UTC"
    if seconds % 3600:
        return None
    # The Etc zones' signs are POSIX's, the other way round: Etc/GMT-1 is UTC+01:00.
    name = f"Etc/GMT{-seconds // 3600:+d}"
    return name if known_zone(name) else None


def resolve_timezone(schedule: SourceSchedule, given: str | None) -> tuple[str, list[str]]:
    """Return the event's IANA time zone and what the organiser should know about how it was chosen."""
    offsets: dict[timedelta, int] = {}
    for session in schedule.sessions:
        for moment in (session.start, session.end):
            offset = moment.utcoffset()
            offsets[offset] = offsets.get(offset, 0) + 1
    if given:
        if known_zone(given) is None:
            raise ScheduleError(
                f"--timezone: '{given[:60]}' is not an IANA time zone name such as Europe/Berlin."
            )
        if schedule.timezone and schedule.timezone != given:
            return given, [
                f"Time zone: the source names {schedule.timezone[:60]}; --timezone {given} is used instead."
            ]
        return given, []
    if schedule.timezone:
        zone = known_zone(schedule.timezone)
        if zone is None:
            raise needs_timezone(
                f"The source's time zone '{schedule.timezone[:60]}' is not an IANA time zone"
            )
        return schedule.timezone, _disagreeing(schedule, zone, offsets)
    if len(offsets) > 1:
        listed = ", ".join(offset_words(o) for o in sorted(offsets))
        raise needs_timezone(f"The source names no time zone and its times' UTC offsets differ ({listed})")
    offset = next(iter(offsets))
    name = fixed_zone(offset)
    if name is None:
        raise needs_timezone(
            f"The source names no time zone and its times' offset ({offset_words(offset)}) is no whole hour"
        )
    return name, [
        f"Time zone: the source names none; all its {offsets[offset]} times are at {offset_words(offset)}, "
        f"so the event's zone is taken to be {name} (a fixed {offset_words(offset)}, no daylight saving "
        "time). If the event is somewhere with a named zone, import again with --timezone (such as "
        "--timezone Europe/Berlin)."
    ]


def _disagreeing(schedule: SourceSchedule, zone, offsets: dict[timedelta, int]) -> list[str]:
    """Return a warning when the source's own zone gives none of its times their offset."""
    if not schedule.sessions:
        return []
    if any(s.start.astimezone(zone).utcoffset() == s.start.utcoffset() for s in schedule.sessions):
        return []
    seen = ", ".join(offset_words(o) for o in sorted(offsets))
    return [
        f"Time zone: the source names {schedule.timezone}, but its times are at {seen}, which that zone "
        f"never is on those days; pages show every time in {schedule.timezone}. If that is not where the "
        "event is, import again with --timezone."
    ]
