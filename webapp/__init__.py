"""Venue Live: a live map of a multi-venue hybrid event."""

import click
import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import cli, push, release
from webapp.api import docs_page as api_docs_page
from webapp.api import routes as api_routes
from webapp.api import travel as api_travel
from webapp.config import ROOT, Config
from webapp.exports import views as export_views
from webapp.extensions import compress, csrf, db, limiter, migrate, socketio
from webapp.live import handlers as live_handlers
from webapp.live import relay
from webapp.live.transport import TransportError
from webapp.program import eventstore, pages, screens, speakers, streams
from webapp.program import templating as program_templating
from webapp.program.eventdata import EventDataError, load_event
from webapp.staff import auth, held, signage, team, venues_editor
from webapp.staff import console as staff_console
from webapp.travel import pages as travel_pages
from webapp.web import assets, errors, headers, health, i18n, pagecache, templating, urltext
from webapp.web.assets import MissingAssetError, check_vendor_files
from webapp.web.clock import parse_moment


class StartupError(click.ClickException):
    """The app cannot start; the message is one sentence saying which file or setting is wrong."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the pages read while staff write; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL cannot corrupt the database; only a power cut can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _load(app: Flask) -> None:
    """Load the event data, the vendored assets and EVENT_NOW; raise StartupError on any problem."""
    try:
        event = load_event(app.config["VENUES_FILE"], app.config["PROGRAM_FILE"])
        app.extensions["vendor_versions"] = check_vendor_files(app.config["NODE_MODULES"])
    except (EventDataError, MissingAssetError) as exc:
        raise StartupError(str(exc)) from None
    app.extensions["event"] = event
    app.extensions["event_now"] = None
    if app.config.get("EVENT_NOW"):
        try:
            app.extensions["event_now"] = parse_moment(app.config["EVENT_NOW"], event.tz)
        except ValueError as exc:
            raise StartupError(f"EVENT_NOW: {exc}") from None


def create_app(config: dict | None = None) -> Flask:
    """Create the app: read settings, load the event, bind extensions, register blueprints."""
    app = Flask(__name__, static_folder=None, template_folder=str(ROOT / "templates"))
    # Flask's own static route is replaced by assets.static_file, which serves compressed copies.
    app.static_folder, app.static_url_path = str(ROOT / "static"), "/static"
    try:
        app.config.from_object(Config())
    except ValueError as exc:  # a setting that cannot be read, e.g. TRUSTED_PROXIES=yes
        raise StartupError(str(exc)) from None
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # Korean as UTF-8, a third of the bytes of \u escapes
    _load(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    compress.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    pagecache.init_app(app)
    program_templating.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # With a message queue: Redis, made lossless by relaying gaps from the change log.
        client_manager=relay.client_manager(app),
        # engine.io turns the Origin check off for [] (python-engineio 4.15): a callable keeps it on.
        cors_allowed_origins=headers.socket_origin_check(app.config["SOCKETIO_ALLOWED_ORIGINS"]),
        max_http_buffer_size=app.config["SOCKETIO_MAX_MESSAGE"],
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
    )
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Outside Socket.IO's middleware too, so the socket sees the client's address, scheme and host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)

    assets.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api_routes.bp)
    auth.init_app(app)
    app.register_blueprint(staff_console.bp)
    held.init_app(app)
    for module in (
        export_views,
        screens,
        streams,
        speakers,
        travel_pages,
        api_travel,
        api_docs_page,
        signage,
        team,
        venues_editor,
    ):
        app.register_blueprint(module.bp)
    push.init_app(app)
    errors.init_app(app)
    urltext.init_app(app)
    headers.init_app(app)
    try:
        live_handlers.init_app(app)
    except TransportError as exc:
        raise StartupError(str(exc)) from None
    cli.init_app(app)
    app.cli.add_command(release.release_command)
    app.register_blueprint(health.bp)
    # Until an event is imported (its venues placed), only these answer: the rest say it is being set up.
    eventstore.init_app(
        app,
        open_while_setting_up=("auth", "assets", "health", "accounts", venues_editor.bp.name),
        setup_page="organiser_venues.venues",
    )
    return app
