"""Command-line tools: import the event; geocode venues; create staff accounts and their bearer tokens."""

import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from webapp.config import VAR_DIR
from webapp.program.eventdata import EventDataError
from webapp.program.eventstore import load_into
from webapp.program.importer import OtherEventError, import_event
from webapp.release import replace_event
from webapp.sources import cli as sources_cli
from webapp.sources import geocode
from webapp.staff.accounts import ROLES, AccountError, create_staff, issue_token, revoke_tokens, set_role
from webapp.staff.links import DEFAULT_MINUTES, MAX_MINUTES, issue_link
from webapp.staff.signage import public_base

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
    try:
        # The files, with the venues saved at /staff/venues in place of the venues file's.
        event = load_into(app)
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
@click.option(
    "--role", type=click.Choice(ROLES), default="staff", show_default=True,
    help="staff: today's changes; organiser: also venues and staff accounts in the browser.",
)  # fmt: skip
def staff_create(name: str, role: str) -> None:
    """Create a staff account; the password is read from stdin, or generated and printed once."""
    generated = sys.stdin.isatty() or not (password := sys.stdin.readline().rstrip("\n"))
    if generated:
        password = secrets.token_urlsafe(15)
    try:
        create_staff(name, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {role} account '{name}'.")
    if generated:
        click.echo(f"Password (shown once, keep it safe): {password}")


@staff_cli.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def staff_role(name: str, role: str) -> None:
    """Give NAME a role: staff or organiser."""
    try:
        set_role(name, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"'{name}' is now {role}.")


@staff_cli.command("link")
@click.argument("name")
@click.option("--minutes", type=click.IntRange(1, MAX_MINUTES), default=DEFAULT_MINUTES, show_default=True)
@click.option("--base", help="The address people open the site at, e.g. https://live.example.org.")
def staff_link(name: str, minutes: int, base: str | None) -> None:
    """Print a one-time sign-in link for NAME (single use, expiring), e.g. for someone locked out."""
    fallback = f"http://{current_app.config['HOST']}:{current_app.config['PORT']}"
    try:
        origin = public_base(base, fallback)
        token, link = issue_link(name, by="command line", minutes=minutes)
    except (AccountError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"One-time sign-in link for '{name}', until {link.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(f"{origin}/login/link/{token}")


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
