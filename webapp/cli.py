"""Command-line tools: import the event; create staff accounts and their bearer tokens."""

import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.accounts import AccountError, create_staff, issue_token, revoke_tokens
from webapp.importer import import_event

staff_cli = AppGroup("staff", help="Staff accounts and bearer tokens.")


@click.command("import-event")
def import_event_command() -> None:
    """Import venues.geojson and program.json into the database (safe to run again)."""
    result = import_event(current_app.extensions["event"])
    click.echo(f"Imported {current_app.extensions['event'].event.short_name.en}: {result}")


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
