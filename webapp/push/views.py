"""Push endpoints under /push/: a browser subscribes for its starred sessions, or stops."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from webapp.extensions import csrf, limiter
from webapp.push import subscriptions
from webapp.push.subscriptions import SubscriptionError

bp = Blueprint("push", __name__, url_prefix="/push")
csrf.exempt(bp)  # no session here: _guard checks the Origin instead


def _error(status: int, error: str, message: str):
    return jsonify(error=error, message=message), status


@bp.before_request
def _guard():
    """Accept writes only as JSON sent by this site's own pages (the browser's Origin header says so).

    No CSRF token: it would need a session cookie on every page with the button, and a cookie set by
    those pages changes what the service worker's cached pages vary on. A browser always sends Origin
    with a POST or DELETE and cannot forge it; JSON from another site needs a CORS preflight we never allow.
    """
    if request.method in ("GET", "HEAD"):
        return None
    origin = request.headers.get("Origin")
    if origin is None or urlsplit(origin).netloc != request.host:
        return _error(403, "cross_origin", "Push subscriptions are accepted from this site's own pages only.")
    if not request.is_json:
        return _error(415, "unsupported_media_type", "Send the subscription as application/json.")
    return None


@bp.get("/key")
def key():
    """Return the VAPID public key browsers subscribe with (applicationServerKey)."""
    return jsonify(public_key=current_app.extensions["vapid"].public_key)


@bp.post("/subscriptions")
@limiter.limit("30 per minute")
def subscribe():
    """Create or update this browser's subscription with its starred sessions and language."""
    try:
        fields = subscriptions.parse(
            request.get_json(silent=True),
            hosts=current_app.config["PUSH_SERVICE_HOSTS"],
            allow_local=current_app.config.get("PUSH_ALLOW_LOCAL_ENDPOINTS", False),
        )
    except SubscriptionError as exc:
        return _error(400, "invalid", str(exc))
    found, created = subscriptions.save(**fields)
    return jsonify(sessions=fields["sessions"], lang=found.lang), 201 if created else 200


@bp.delete("/subscriptions")
@limiter.limit("30 per minute")
def unsubscribe():
    """Remove this browser's subscription; nothing is sent to it afterwards."""
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or len(endpoint) > subscriptions.MAX_ENDPOINT:
        return _error(400, "invalid", "Send {endpoint} of the subscription to remove.")
    if not subscriptions.remove(endpoint):
        return _error(404, "not_found", "There is no such subscription.")
    return "", 204
