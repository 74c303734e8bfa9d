"""Device cookies: a phone that signed in as someone before is trusted to try that account's password again.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": at an event every phone on the venue
Wi-Fi has the same public address, so limits per address or per account let an attacker there lock staff
out. After a sign-in (by password or one-time link) the browser gets a signed cookie naming the account
and a random device id. A sign-in that carries a valid cookie for the account it names is counted
against that device alone, so nobody else's failures can refuse it; every other attempt is counted per
address and per account, as before.
"""

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "vl_device"
MAX_AGE = 30 * 24 * 3600  # a month: the length of an event's preparation and the event itself
# Sent only to the sign-in pages, not with every request.
COOKIE_PATH = "/login"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="venue-live device")


def account_key(name: str) -> str:
    """Return how a sign-in name is compared: trimmed, case-folded, at most 80 characters."""
    return name.strip().casefold()[:80]


def trusted_device(name: str) -> str | None:
    """Return this browser's device id when its cookie is valid and was earned by signing in as name."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 400:
        return None
    try:
        data = _signer().loads(cookie, max_age=MAX_AGE)
    except BadSignature:  # also an expired one (SignatureExpired)
        return None
    if not isinstance(data, dict) or data.get("account") != account_key(name):
        return None
    device = data.get("device")
    return device if isinstance(device, str) else None


def trust_device(response: Response, name: str) -> None:
    """Give the browser a device cookie for the account it just signed in to (a new device id each time)."""
    value = _signer().dumps({"account": account_key(name), "device": secrets.token_urlsafe(16)})
    secure = request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(
        COOKIE, value, max_age=MAX_AGE, path=COOKIE_PATH, secure=secure, httponly=True, samesite="Strict"
    )
