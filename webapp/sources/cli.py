"""`flask --app webapp import-schedule`: a pretalx / frab / c3voc / iCal schedule -> the event's data files."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.config import ROOT
from webapp.sources import follow
from webapp.sources.convert import import_schedule
from webapp.sources.model import ScheduleError

PROGRESS_FROM = 300  # sessions: below this an import is too quick for a progress bar to help


@click.command("import-schedule")
@click.argument("source")
@click.option(
    "--venues",
    "venues_file",
    type=click.Path(dir_okay=False),
    help="Venues file that places the rooms. Without it: OUT/venues.geojson if there is one, else a new "
    "venues file holding every room of the source is written there, to place on /staff/venues.",
)
@click.option(
    "--venue-prefix",
    "venue_prefixes",
    multiple=True,
    metavar="PREFIX[=NAME]",
    help="For a new venues file: rooms whose name starts with PREFIX form one venue (called NAME); "
    "repeat for each venue. Other rooms go to one venue named after the event.",
)
@click.option(
    "--near",
    metavar="LAT,LON",
    help="For a new venues file: pin its venues roughly here (as a map app copies a point, e.g. "
    "52.5200,13.4050), approximate within 1 km, so the map shows them before you place each on /staff/venues.",
)
@click.option(
    "--timezone",
    help="The event's IANA time zone (such as Europe/Berlin), for a source that names none, or to use "
    "instead of the one it names.",
)
@click.option("--strict", is_flag=True, help="Refuse a source that departs from its published schema at all.")
@click.option(
    "--rooms",
    "rooms_file",
    type=click.Path(dir_okay=False),
    help='Rooms map (TOML): "Room name" = "venue-id/room-id".',
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=str(ROOT),
    show_default=True,
    help="Where to write program.json and venues.geojson.",
)
@click.option("--dry-run", is_flag=True, help="Read and check everything; write nothing.")
def import_schedule_command(
    source: str, venues_file: str | None, venue_prefixes: tuple[str, ...], near: str | None,
    timezone: str | None, strict: bool, rooms_file: str | None, out_dir: str, dry_run: bool,
) -> None:  # fmt: skip
    """Import SOURCE (a file or http(s) URL: c3voc JSON, frab / c3voc XML or iCalendar)."""
    bar, shown = None, 0

    def progress(done: int, total: int) -> None:
        nonlocal bar, shown
        if total < PROGRESS_FROM:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Sessions", file=click.get_text_stream("stderr"))
        bar.update(done - shown)
        shown = done

    click.echo(f"Reading {source} ...", err=True)
    try:
        summary, schedule = import_schedule(
            source, venues_file, rooms_file, out_dir, dry_run, progress,
            timezone=timezone, strict=strict, venue_prefixes=list(venue_prefixes), near=near,
        )  # fmt: skip
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(f"{schedule.title} ({schedule.format}):")
    for line in summary.lines():
        click.echo(f"  {line}")
    out = Path(out_dir)
    if dry_run:
        click.echo(
            f"Dry run: nothing written (would write {out / 'program.json'} and {out / 'venues.geojson'})."
        )
    else:
        click.echo(
            f"Wrote {out / 'program.json'} and {out / 'venues.geojson'}; `flask --app webapp import-event` loads them."
        )


@click.command("follow-schedule")
@with_appcontext
@click.argument("source")
@click.option(
    "--every", type=float, default=60, show_default=True, help="Seconds between polls (at least 5)."
)
@click.option(
    "--rooms", "rooms_file", type=click.Path(dir_okay=False), help="Rooms map (TOML), as for import-schedule."
)
@click.option(
    "--polls", type=int, default=None, help="Stop after this many polls (default: run until stopped)."
)
def follow_schedule_command(source: str, every: float, rooms_file: str | None, polls: int | None) -> None:
    """Poll SOURCE and turn each new release into changes (move, retime, cancel, add) by import:SOURCE."""
    try:
        every = follow.poll_seconds(every)
        follow.read_rooms_map(rooms_file)
    except ScheduleError as exc:
        raise click.ClickException(str(exc).replace("SCHEDULE_POLL_SECONDS", "--every")) from None

    def report(outcome: follow.Outcome) -> None:
        click.echo(f"{datetime.now(UTC):%H:%M:%S} {outcome.message}")
        for c in outcome.conflicts:
            click.echo(
                f"  conflict: staff changed {c['kind']} of '{c['title']}' ({c['session']}); kept {c['staff']}, source says {c['source']}"
            )

    click.echo(f"Following {source} every {every:g} s (Ctrl-C to stop).")
    follow.follow(current_app._get_current_object(), source, every, rooms_file, polls=polls, report=report)


def init_app(app: Flask) -> None:
    """Register the schedule commands."""
    app.cli.add_command(import_schedule_command)
    app.cli.add_command(follow_schedule_command)
