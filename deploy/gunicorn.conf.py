"""gunicorn settings for one Venue Live process: one gevent worker holding thousands of websockets.

One worker per gunicorn (-w 1): Socket.IO keeps each client's state in the process that holds its
socket, and nginx, not the kernel, chooses the process. gunicorn supervises the worker: it restarts it
when it dies or stops answering, and stops it gracefully on SIGTERM.
"""

wsgi_app = "deploy.wsgi:app"
worker_class = "gevent"
workers = 1
# Concurrent connections per worker: websockets stay open, so this is the phones one process holds.
worker_connections = 12_000
# A websocket's greenlet never "finishes a request"; the gevent worker's heartbeat is what times out.
timeout = 30
graceful_timeout = 10
keepalive = 5
# Only nginx on this machine may set X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = "127.0.0.1"
accesslog = None
errorlog = "-"
loglevel = "info"


# The hooks import deploy/sockets.py (serve.py's setup too) when they run: by then gunicorn has put
# --chdir (the checkout) on sys.path, which a bare `gunicorn -c deploy/gunicorn.conf.py` has not yet.


def post_fork(server, worker):
    """Raise the worker's open-file limit to the hard limit: one descriptor per websocket."""
    from deploy.sockets import raise_open_file_limit

    raise_open_file_limit()


def post_worker_init(worker):
    """Keep the loaded app out of the collector's full passes, as serve.py does."""
    from deploy.sockets import settle_loaded_app

    settle_loaded_app()
