"""Serve the app on gevent, ready for thousands of sockets: `python serve.py` (what `make run` does).

This file sits outside the package so that gevent patches the standard library before any of
the app (or its libraries) is imported.
"""

# gevent must patch the standard library before anything else imports it.
from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from deploy.sockets import raise_open_file_limit, settle_loaded_app  # noqa: E402
from webapp import StartupError, create_app  # noqa: E402
from webapp.extensions import current_event, socketio  # noqa: E402
from webapp.live.transport import websocket_handler  # noqa: E402
from webapp.program.eventdata import EventDataError  # noqa: E402
from webapp.program.importer import OtherEventError  # noqa: E402
from webapp.push.process import SenderProcess  # noqa: E402
from webapp.release import release  # noqa: E402
from webapp.sources.follow import start_following  # noqa: E402
from webapp.sources.model import ScheduleError  # noqa: E402
from webapp.staff.accounts import count_staff  # noqa: E402


def main() -> int:
    """Run the release step (migrate, import the event if its files changed), then serve."""
    try:
        # The app starts without a venue's coordinates: an organiser places it at /staff/venues.
        app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
        with app.app_context():
            for line in release(app):
                print(line)
    except (StartupError, EventDataError, OtherEventError) as exc:
        print(f"Venue Live cannot start: {exc}", file=sys.stderr)
        return 2
    with app.app_context():
        event = current_event(app)
        try:  # SCHEDULE_SOURCE: turn each new release of the organiser's schedule into live changes
            if start_following(app):
                print(f"Following {app.config['SCHEDULE_SOURCE']} for new releases")
        except ScheduleError as exc:
            print(f"Venue Live cannot start: {exc}", file=sys.stderr)
            return 2
        if count_staff() == 0:
            print(
                "No staff account yet. Create an organiser (password from stdin, or generated and printed once):\n"
                "  .venv/bin/flask --app webapp staff create NAME --role organiser"
            )
    host, port = app.config["HOST"], app.config["PORT"]
    limit = raise_open_file_limit()
    settle_loaded_app()
    print(
        f"Venue Live: {event.event.short_name.en} on http://{host}:{port} (open-file limit {limit})",
        flush=True,
    )
    # Web Push is sent by a process of its own, never on this event loop (PUSH_WORKER=0: run it yourself).
    sender = SenderProcess().start() if app.config["PUSH_WORKER"] else None
    if sender:
        socketio.start_background_task(sender.watch)
    try:
        socketio.run(
            app,
            host=host,
            port=port,
            log_output=app.config["ACCESS_LOG"],
            handler_class=websocket_handler(),
        )
    finally:
        if sender:
            sender.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
