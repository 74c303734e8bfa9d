"""Push endpoints under /push/: a browser subscribes for its starred sessions, or stops."""

from flask import Blueprint, current_app, jsonify, request
from flask_wtf.csrf import CSRFError

from webapp.extensions import csrf, limiter
from webapp.push import subscriptions
from webapp.push.subscriptions import SubscriptionError

bp = Blueprint("push", __name__, url_prefix="/push")
csrf.exempt(bp)  # checked in _guard, so a refusal is JSON like every other answer here


def _error(status: int, error: str, message: str):
    return jsonify(error=error, message=message), status


@bp.before_request
def _guard():
    """Accept only same-origin JSON carrying the page's CSRF token."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        return _error(403, "cross_origin", "Push subscriptions are accepted from this site's own pages only.")
    if request.method == "GET":
        return None
    if not request.is_json:
        return _error(415, "unsupported_media_type", "Send the subscription as application/json.")
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):  # csrf.protect() itself does not look
            csrf.protect()
    except CSRFError as exc:
        return _error(400, "csrf", exc.description)
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
