"""The app for gunicorn's gevent worker. It neither migrates nor imports: the release step does that once.

gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:5101
"""

import logging
import sys

from webapp import StartupError, create_app
from webapp.program.eventdata import EventDataError
from webapp.program.eventstore import load_into
from webapp.program.importer import imported_version

log = logging.getLogger("venue-live")

try:
    app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
    with app.app_context():
        # The files, with the venues saved at /staff/venues in place of the venues file's.
        version = load_into(app).version
        if imported_version() != version:
            log.warning("data version %s is not imported: run `flask --app webapp release` first", version)
except (StartupError, EventDataError) as exc:
    print(f"Venue Live cannot start: {exc}", file=sys.stderr)
    sys.exit(2)  # gunicorn stops instead of restarting a worker that can never start
