"""Command-line tools: import the event; geocode venues; create staff accounts and their bearer tokens."""

import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from webapp.config import VAR_DIR
from webapp.program import geocode
from webapp.program.eventdata import EventDataError
from webapp.program.importer import OtherEventError, import_event
from webapp.release import replace_event
from webapp.sources import cli as sources_cli
from webapp.staff.accounts import AccountError, create_staff, issue_token, revoke_tokens

staff_cli = AppGroup("staff", help="Staff accounts and bearer tokens.")
venues_cli = AppGroup("venues", help="The venues file: look up missing coordinates.")


@click.command("import-event")
@click.option(
    "--replace",
    is_flag=True,
    help="The database holds another event: archive its change log, announcements, conflicts and push "
    "subscriptions to a file, remove them, and import this event with its log starting at seq 1.",
)
@click.option(
    "--archive-dir",
    type=click.Path(file_okay=False),
    default=str(VAR_DIR / "archive"),
    show_default=True,
    help="Where --replace writes the old event's archive.",
)
@with_appcontext
def import_event_command(replace: bool, archive_dir: str) -> None:
    """Import venues.geojson and program.json into the database (safe to run again)."""
    app = current_app._get_current_object()
    event = app.extensions["event"]
    try:
        event.check_placed()
        if replace:
            click.echo(str(replace_event(app, Path(archive_dir))))
            return
        result = import_event(event)
    except (EventDataError, OtherEventError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Imported {event.event.short_name.en}: {result}")


@venues_cli.command("geocode")
@click.option("--refresh-approximate", is_flag=True, help="Also look up venues marked approximate.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def venues_geocode(refresh_approximate: bool, dry_run: bool) -> None:
    """Fill in missing venue coordinates from their addresses with Nominatim (1 request/s)."""
    path = current_app.config["VENUES_FILE"]
    try:
        results = geocode.geocode_venues(
            path, geocode.make_nominatim(), refresh_approximate=refresh_approximate, dry_run=dry_run
        )
    except geocode.GeocoderUnreachable as exc:
        raise click.ClickException(f"Could not reach the geocoder ({exc}); nothing was changed.") from None
    for result in results:
        click.echo(str(result))
    found = sum(r.outcome == "found" for r in results)
    if not found:
        click.echo("Nothing to change.")
    elif dry_run:
        click.echo(f"Dry run: {found} venue(s) found, {path} not written.")
    else:
        click.echo(f"Wrote {found} venue(s) to {path}.")


@staff_cli.command("create")
@click.argument("name")
def staff_create(name: str) -> None:
    """Create a staff account; the password is read from stdin, or generated and printed once."""
    generated = sys.stdin.isatty() or not (password := sys.stdin.readline().rstrip("\n"))
    if generated:
        password = secrets.token_urlsafe(15)
    try:
        create_staff(name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created staff account '{name}'.")
    if generated:
        click.echo(f"Password (shown once, keep it safe): {password}")


@staff_cli.command("token")
@click.argument("name")
def staff_token(name: str) -> None:
    """Print a new bearer token for NAME (for scripts calling POST /api/changes)."""
    try:
        click.echo(issue_token(name))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


@staff_cli.command("revoke-tokens")
@click.argument("name")
def staff_revoke(name: str) -> None:
    """Revoke every bearer token of NAME."""
    try:
        click.echo(f"Revoked {revoke_tokens(name)} token(s) of '{name}'.")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(import_event_command)
    app.cli.add_command(staff_cli)
    app.cli.add_command(venues_cli)
    sources_cli.init_app(app)
