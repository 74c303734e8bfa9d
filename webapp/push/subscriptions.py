"""Store, update and remove push subscriptions, with strict limits on what a browser may send."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Session
from webapp.push.models import PushSubscription, PushTopic
from webapp.push.schemas import Subscribe

LOCAL_HOSTS = ("127.0.0.1", "localhost")
# The push services of Chrome/Android/Edge (FCM), Firefox, Safari and Windows; PUSH_SERVICE_HOSTS overrides.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com", "android.googleapis.com", "push.services.mozilla.com", "push.apple.com",
    "notify.windows.com",
)  # fmt: skip


class SubscriptionError(ValueError):
    """A subscription request that is refused; the message says which field and why."""


def _b64url(value: str, field: str, size: int) -> str:
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


def _endpoint(value: str, allow_local: bool, hosts: tuple[str, ...]) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - read for its check: a port that is not a number from 0 to 65535 raises
    except ValueError:  # "Invalid IPv6 URL", "Port out of range 0-65535" (urllib/parse.py, urlsplit and port)
        raise SubscriptionError("'endpoint' is not a URL.") from None
    if allow_local and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return value
    if not (parts.scheme == "https" and parts.hostname):
        raise SubscriptionError("'endpoint' must be an https:// URL of a push service.")
    # The server POSTs to this URL: only to browsers' push services, never to a host of the visitor's choosing.
    if not _known_host(parts.hostname.lower(), hosts):
        raise SubscriptionError(f"'endpoint' is not on a known push service ({parts.hostname}).")
    return value


def _session_ids(value: list[str]) -> list[str]:
    ids = list(dict.fromkeys(value))
    known = set(db.session.scalars(sa.select(Session.id).where(Session.id.in_(ids)))) if ids else set()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SubscriptionError(f"There is no session '{unknown[0]}'.")
    return ids


def parse(
    data: Subscribe, hosts: tuple[str, ...] = PUSH_SERVICE_HOSTS, allow_local: bool = False
) -> dict[str, Any]:
    """Check what the model cannot; return endpoint, keys, sessions and lang, or raise SubscriptionError."""
    sub = data.subscription
    return {
        "endpoint": _endpoint(sub.endpoint, allow_local, hosts),
        "p256dh": _b64url(sub.keys.p256dh, "keys.p256dh", 65),
        "auth": _b64url(sub.keys.auth, "keys.auth", 16),
        "sessions": _session_ids(data.sessions),
        "lang": data.lang,
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
