"""Command-line tools: `flask --app webapp import-event`."""

import click
from flask import Flask, current_app

from webapp.importer import import_event


@click.command("import-event")
def import_event_command() -> None:
    """Import venues.geojson and program.json into the database (safe to run again)."""
    result = import_event(current_app.extensions["event"])
    click.echo(f"Imported {current_app.extensions['event'].event.short_name.en}: {result}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(import_event_command)
