"""Push tables: subscriptions with the sessions they follow, and the notices waiting to go out."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models import UTCDateTime


class PushSubscription(db.Model):
    """One browser's push subscription (RFC 8030 endpoint + RFC 8291 keys); no account behind it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(100))
    auth: Mapped[str] = mapped_column(sa.String(40))
    lang: Mapped[str] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    topics: Mapped[list["PushTopic"]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True
    )

    def info(self) -> dict[str, Any]:
        """Return the subscription in the shape the browser's PushSubscription.toJSON() gives."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushTopic(db.Model):
    """One session one subscription follows: the index the sender looks subscribers up by."""

    __tablename__ = "push_topics"

    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("push_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True, index=True)

    subscription: Mapped[PushSubscription] = relationship(back_populates="topics")


class PushNotice(db.Model):
    """A notice about one session: pending while changes gather (debounce), then claimed and sent once."""

    __tablename__ = "push_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    # pending -> sending -> sent | skipped (undone, or nobody left to tell)
    state: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    first_seq: Mapped[int]
    last_seq: Mapped[int]
    # The session (and its room's status) before the first change: a notice that would say
    # nothing new because the change was undone is skipped.
    baseline: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What it said, in each language it went out in ({"ko": ..., "en": ...}), for the staff log.
    texts: Mapped[dict[str, str] | None] = mapped_column("text", sa.JSON)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
