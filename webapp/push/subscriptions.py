"""Store, update and remove push subscriptions, with strict limits on what a browser may send."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Session
from webapp.push.endpoints import PUSH_SERVICE_HOSTS, EndpointError, endpoint_url
from webapp.push.models import PushSubscription, PushTopic
from webapp.push.schemas import MAX_ENDPOINT, Subscribe


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
    try:
        endpoint_url(sub.endpoint, hosts, allow_local)
    except EndpointError as exc:
        raise SubscriptionError(str(exc)) from None
    return {
        "endpoint": sub.endpoint,
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


def exists(endpoint: str) -> bool:
    """Return whether a subscription with this endpoint is stored."""
    if not (
        isinstance(endpoint, str)
        and endpoint.isascii()
        and endpoint.isprintable()
        and len(endpoint) <= MAX_ENDPOINT
    ):
        return False  # nothing stored looks like that (and PostgreSQL cannot be asked about a NUL)
    return (
        db.session.scalar(sa.select(PushSubscription.id).where(PushSubscription.endpoint == endpoint))
        is not None
    )


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


def subscribers(session_id: str) -> list[sa.Row]:
    """Return (id, endpoint, p256dh, auth, lang) of every subscription following session_id (rows: 10,000 load fast)."""
    s = PushSubscription
    query = (
        sa.select(s.id, s.endpoint, s.p256dh, s.auth, s.lang)
        .join(PushTopic)
        .where(PushTopic.session_id == session_id)
        .order_by(s.id)
    )
    return list(db.session.execute(query))


def followed(session_ids: list[str]) -> set[str]:
    """Return which of session_ids at least one subscription follows."""
    if not session_ids:
        return set()
    query = sa.select(PushTopic.session_id).where(PushTopic.session_id.in_(session_ids)).distinct()
    return set(db.session.scalars(query))
