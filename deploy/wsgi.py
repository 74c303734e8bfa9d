"""The app for gunicorn's gevent worker. It neither migrates nor imports: the release step does that once.

gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:5101
"""

import logging
import sys

from webapp import StartupError, create_app
from webapp.program.eventdata import EventDataError
from webapp.program.importer import imported_version

log = logging.getLogger("venue-live")

try:
    app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
    app.extensions["event"].check_placed()
except (StartupError, EventDataError) as exc:
    print(f"Venue Live cannot start: {exc}", file=sys.stderr)
    sys.exit(2)  # gunicorn stops instead of restarting a worker that can never start
with app.app_context():
    version = app.extensions["event"].version
    if imported_version() != version:
        log.warning("data version %s is not imported: run `flask --app webapp release` first", version)
