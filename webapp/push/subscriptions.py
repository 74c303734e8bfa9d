"""Store, update and remove push subscriptions, with strict limits on what a browser may send."""

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Session
from webapp.push.models import PushSubscription, PushTopic

MAX_SESSIONS = 100  # as many as /agenda.ics takes (webapp/travel/views.py MAX_IDS)
MAX_ENDPOINT = 1000
SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
LANGS = ("ko", "en")
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# The push services of Chrome/Android/Edge (FCM), Firefox, Safari and Windows; PUSH_SERVICE_HOSTS overrides.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com", "android.googleapis.com", "push.services.mozilla.com", "push.apple.com",
    "notify.windows.com",
)  # fmt: skip


class SubscriptionError(ValueError):
    """A subscription request that is refused; the message says which field and why."""


def _b64url(value: Any, field: str, size: int) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise SubscriptionError(f"'{field}' must be base64url text.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise SubscriptionError(f"'{field}' is not base64url.") from None
    if len(raw) != size or (field == "keys.p256dh" and raw[0] != 4):
        raise SubscriptionError(
            f"'{field}' must be {size} bytes{' (an uncompressed P-256 point)' * (size == 65)}."
        )
    return value.rstrip("=")


def _known_host(host: str, hosts: tuple[str, ...]) -> bool:
    return "*" in hosts or any(host == h or host.endswith("." + h) for h in hosts)


def _endpoint(value: Any, allow_local: bool, hosts: tuple[str, ...]) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ENDPOINT:
        raise SubscriptionError(f"'endpoint' must be a URL of at most {MAX_ENDPOINT} characters.")
    parts = urlsplit(value)
    if allow_local and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return value
    if not (parts.scheme == "https" and parts.hostname):
        raise SubscriptionError("'endpoint' must be an https:// URL of a push service.")
    # The server POSTs to this URL: only to browsers' push services, never to a host of the visitor's choosing.
    if not _known_host(parts.hostname.lower(), hosts):
        raise SubscriptionError(f"'endpoint' is not on a known push service ({parts.hostname}).")
    return value


def _session_ids(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_SESSIONS:
        raise SubscriptionError(f"'sessions' must be a list of at most {MAX_SESSIONS} session ids.")
    if not all(isinstance(i, str) and SESSION_ID.match(i) for i in value):
        raise SubscriptionError("'sessions' holds something that is not a session id.")
    ids = list(dict.fromkeys(value))
    known = set(db.session.scalars(sa.select(Session.id).where(Session.id.in_(ids)))) if ids else set()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SubscriptionError(f"There is no session '{unknown[0]}'.")
    return ids


def parse(
    data: Any, hosts: tuple[str, ...] = PUSH_SERVICE_HOSTS, allow_local: bool = False
) -> dict[str, Any]:
    """Check a subscription request body; return endpoint, keys, sessions and lang, or raise SubscriptionError."""
    if not isinstance(data, dict) or not isinstance(data.get("subscription"), dict):
        raise SubscriptionError("Send {subscription: PushSubscription.toJSON(), sessions: [...], lang}.")
    sub = data["subscription"]
    keys = sub.get("keys") if isinstance(sub.get("keys"), dict) else {}
    lang = data.get("lang")
    if lang not in LANGS:
        raise SubscriptionError("'lang' must be 'ko' or 'en'.")
    return {
        "endpoint": _endpoint(sub.get("endpoint"), allow_local, hosts),
        "p256dh": _b64url(keys.get("p256dh"), "keys.p256dh", 65),
        "auth": _b64url(keys.get("auth"), "keys.auth", 16),
        "sessions": _session_ids(data.get("sessions")),
        "lang": lang,
    }


def save(
    endpoint: str, p256dh: str, auth: str, sessions: list[str], lang: str
) -> tuple[PushSubscription, bool]:
    """Create or replace the subscription for endpoint; return it and whether it is new."""
    now = datetime.now(UTC)
    found = db.session.scalars(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).first()
    created = found is None
    if created:
        found = PushSubscription(endpoint=endpoint, created_at=now)
        db.session.add(found)
    found.p256dh, found.auth, found.lang, found.updated_at = p256dh, auth, lang, now
    found.topics = [PushTopic(session_id=i) for i in sessions]
    db.session.commit()
    return found, created


def remove(endpoint: str) -> bool:
    """Delete the subscription for endpoint; return whether there was one."""
    found = db.session.scalars(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).first()
    if found is None:
        return False
    db.session.delete(found)
    db.session.commit()
    return True


def remove_ids(ids: list[int]) -> None:
    """Delete subscriptions the push service says are gone (404/410)."""
    if ids:
        db.session.execute(sa.delete(PushTopic).where(PushTopic.subscription_id.in_(ids)))
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(ids)))
        db.session.commit()


def subscribers(session_id: str) -> list[PushSubscription]:
    """Return every subscription following session_id."""
    query = sa.select(PushSubscription).join(PushTopic).where(PushTopic.session_id == session_id)
    return list(db.session.scalars(query))


def followed(session_ids: list[str]) -> set[str]:
    """Return which of session_ids at least one subscription follows."""
    if not session_ids:
        return set()
    query = sa.select(PushTopic.session_id).where(PushTopic.session_id.in_(session_ids)).distinct()
    return set(db.session.scalars(query))
