"""Push endpoints under /push/: a browser subscribes for its starred sessions, or stops.

JSON endpoints like the API's: the bodies are pydantic models (webapp/push/schemas.py) that spectree
checks before the view runs and puts in the OpenAPI document, with the page's Origin as their security.
"""

import math
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request
from pydantic import ValidationError
from spectree import Response

from webapp.api.schemas import Error
from webapp.api.spec import PAGE, api
from webapp.extensions import csrf, limiter
from webapp.live.schemas import error_sentence
from webapp.push import schemas, subscriptions
from webapp.push.subscriptions import SubscriptionError
from webapp.web.errors import ApiError
from webapp.web.jsonbody import check_json_body

bp = Blueprint("push", __name__, url_prefix="/push")
csrf.exempt(bp)  # no session here: _guard checks the Origin instead

REFUSED = {
    "HTTP_400": (Error, "Not a valid request: the message names the field."),
    "HTTP_403": (Error, "Not sent by this site's own pages (the Origin header)."),
    "HTTP_415": (Error, "Not sent as application/json."),
    "HTTP_429": (
        Error,
        "Too many requests from this address (30 a minute; new subscriptions a day): see Retry-After.",
    ),
}
PER_MINUTE = "30 per minute"


def _daily_new_subscriptions() -> str:
    return f"{current_app.config['PUSH_SUBSCRIPTIONS_PER_DAY']} per day"


def _created(response) -> bool:
    return response.status_code == 201


def _known_endpoint() -> bool:
    """Return whether the body updates a stored subscription (not counted towards the day)."""
    try:
        body = check_json_body()  # the one strict reading; a body it refuses is refused by the view too
    except ApiError:
        return False
    subscription = body.get("subscription")
    return isinstance(subscription, dict) and subscriptions.exists(subscription.get("endpoint"))


@bp.before_request
def _guard():
    """Accept writes only as JSON sent by this site's own pages (the browser's Origin header says so).

    No CSRF token: it would need a session cookie on every page with the button, and a cookie set by
    those pages changes what the service worker's cached pages vary on. A browser always sends Origin
    with a POST or DELETE and cannot forge it; JSON from another site needs a CORS preflight we never allow.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):  # the safe methods (RFC 9110 9.2.1): no write
        return None
    origin = request.headers.get("Origin")
    if origin is None or urlsplit(origin).netloc != request.host:
        raise ApiError(
            403, "cross_origin", "Push subscriptions are accepted from this site's own pages only."
        )
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the subscription as application/json.")
    return None


@bp.errorhandler(429)
def too_many(_exc):
    """Refuse a request over a limit as JSON, saying when to try again (Retry-After)."""
    limit = limiter.current_limit
    # window[0] is the exact reset time (reset_at rounds it up a second, flask_limiter/_extension.py).
    wait = max(1, math.ceil(limit.window[0] - time.time())) if limit else 60
    message = f"Too many push subscription requests from this address; try again in {wait} s."
    return jsonify(error="too_many_requests", message=message), 429, {"Retry-After": str(wait)}


def json_object(view):
    """Refuse a body that is not a JSON object of real text before spectree's model sees it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        check_json_body()
        return view(*args, **kwargs)

    return wrapper


@bp.get("/key")
@api.validate(resp=Response(HTTP_200=(schemas.PushKey, "The key.")), tags=["push"], operation_id="getPushKey")
def key():
    """The VAPID public key browsers subscribe with (applicationServerKey)."""
    return jsonify(public_key=current_app.extensions["vapid"].public_key)


@bp.post("/subscriptions")
@limiter.limit(PER_MINUTE)
# Only new subscriptions count towards the day: a page updating its stars is not one more row.
@limiter.limit(_daily_new_subscriptions, deduct_when=_created, exempt_when=_known_endpoint)
@json_object
@api.validate(
    json=schemas.Subscribe,
    resp=Response(
        HTTP_200=(schemas.Subscribed, "Updated: it follows these sessions now."),
        HTTP_201=(schemas.Subscribed, "Created."),
        **REFUSED,
    ),
    tags=["push"],
    operation_id="subscribePush",
    security=PAGE,
)
def subscribe():
    """Create or update this browser's subscription with its starred sessions and language.

    For this site's pages (no account). The endpoint must be on a browser's push service.
    """
    try:
        fields = subscriptions.parse(
            request.context.json,
            hosts=current_app.config["PUSH_SERVICE_HOSTS"],
            allow_local=current_app.config["PUSH_ALLOW_LOCAL_ENDPOINTS"],
        )
    except SubscriptionError as exc:
        raise ApiError(400, "invalid", str(exc)) from None
    found, created = subscriptions.save(**fields)
    return jsonify(sessions=fields["sessions"], lang=found.lang), 201 if created else 200


@bp.delete("/subscriptions")
@limiter.limit(PER_MINUTE)
@json_object
@api.validate(
    json=schemas.Unsubscribe,
    resp=Response("HTTP_204", HTTP_404=(Error, "There is no such subscription."), **REFUSED),
    tags=["push"],
    operation_id="unsubscribePush",
    security=PAGE,
)
def unsubscribe():
    """Remove this browser's subscription; nothing is sent to it afterwards."""
    # spectree documents a DELETE body but validates none (spectree/plugins/flask_plugin.py:36,
    # has_data): the same model checks it here.
    try:
        body = schemas.Unsubscribe.model_validate(request.get_json())
    except ValidationError as exc:
        raise ApiError(400, "invalid", f"In the body: {error_sentence(exc)}") from None
    if not subscriptions.remove(body.endpoint):
        raise ApiError(404, "not_found", "There is no such subscription.")
    return "", 204
