"""Serve Venue Live's static files on gevent one of two ways, for bench/static_files.py.

    python bench/lib/static_app.py ours|whitenoise COPY_DIR

ours: the app itself (webapp/web/assets.py answers /static/ and /vendor/ from memory, brotli/gzip made at
first request). whitenoise: the same app with WhiteNoise in front of it, serving a copy of static/ and
of the vendored npm files that `python -m whitenoise.compress` pre-compressed into COPY_DIR (.br, .gz),
with the same max-age as ours and `immutable` for /vendor/ (our vendor URLs are versioned). Both run on
gevent's WSGIServer on HOST:PORT; the environment gives DATABASE_URL and SECRET_KEY.
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from gevent.pywsgi import WSGIServer  # noqa: E402

from webapp import create_app  # noqa: E402


def whitenoise_app(app, copy_dir: Path):
    """Wrap app's WSGI callable in WhiteNoise serving copy_dir/static and copy_dir/vendor."""
    from whitenoise import WhiteNoise

    wrapped = WhiteNoise(
        app.wsgi_app,
        max_age=app.config["SEND_FILE_MAX_AGE_DEFAULT"],
        immutable_file_test=lambda _path, url: url.startswith("/vendor/"),
    )
    wrapped.add_files(str(copy_dir / "static"), prefix="/static/")
    wrapped.add_files(str(copy_dir / "vendor"), prefix="/vendor/")
    return wrapped


def main() -> int:
    """Serve in the chosen mode until stopped."""
    mode, copy_dir = sys.argv[1], Path(sys.argv[2])
    app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
    handler = whitenoise_app(app, copy_dir) if mode == "whitenoise" else app.wsgi_app
    host, port = os.environ["HOST"], int(os.environ["PORT"])
    print(f"static-app: {mode} on http://{host}:{port}", flush=True)
    WSGIServer((host, port), handler, log=None).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
