"""One-time sign-in links for a volunteer's phone: shown once, expiring, single use, revocable.

An organiser makes one on /staff/accounts (or `flask --app webapp staff link NAME` on the server);
the link, or its QR code, signs that staff member in once. Only a SHA-256 of it is stored, so it
cannot be shown again: whoever lost it asks for a new one.
"""

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import SignInLink, Staff
from webapp.staff.accounts import AccountError, get_staff, hash_token

# What the accounts page offers, in minutes; the command line takes any whole number up to the most.
LINK_MINUTES = (15, 60, 8 * 60, 24 * 60)
DEFAULT_MINUTES = 60
MAX_MINUTES = 3 * 24 * 60
PREFIX = "sl_"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def issue_link(
    name: str, by: str, minutes: int = DEFAULT_MINUTES, now: datetime | None = None
) -> tuple[str, SignInLink]:
    """Make a one-time sign-in link for staff member name; return its token (which is not kept) and it."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise AccountError(f"A sign-in link lasts 1 to {MAX_MINUTES} minutes (not {minutes}).")
    staff = get_staff(name)
    if staff is None:
        raise AccountError(f"There is no staff account called '{name}'.")
    if not staff.active:
        raise AccountError(f"The account '{name}' is turned off; turn it on first.")
    token = PREFIX + secrets.token_urlsafe(32)
    at = _now(now)
    link = SignInLink(
        staff_id=staff.id,
        token_hash=hash_token(token),
        created_at=at,
        created_by=by,
        expires_at=at + timedelta(minutes=minutes),
    )
    db.session.add(link)
    db.session.commit()
    return token, link


def _usable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(SignInLink.used_at.is_(None), SignInLink.revoked_at.is_(None), SignInLink.expires_at > now)


def link_staff(token: str, now: datetime | None = None) -> Staff | None:
    """Return the active staff member a usable link is for, without using it up; None otherwise."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    query = sa.select(SignInLink).where(SignInLink.token_hash == hash_token(token), _usable(_now(now)))
    link = db.session.scalar(query)
    return link.staff if link is not None and link.staff.active else None


def redeem_link(token: str, now: datetime | None = None) -> Staff | None:
    """Use a link up and return its active staff member; None when it was used, revoked, expired or unknown."""
    staff = link_staff(token, now)
    if staff is None:
        return None
    # One conditional UPDATE: of two phones opening the same link at once, exactly one signs in.
    used = db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.token_hash == hash_token(token), _usable(_now(now)))
        .values(used_at=_now(now))
    )
    db.session.commit()
    return staff if used.rowcount == 1 else None


def open_links(now: datetime | None = None) -> list[SignInLink]:
    """Return every link that can still be used, soonest to expire first."""
    query = sa.select(SignInLink).where(_usable(_now(now))).order_by(SignInLink.expires_at)
    return list(db.session.scalars(query))


def revoke_link(link_id: int, now: datetime | None = None) -> bool:
    """Revoke one link that can still be used; return whether there was one."""
    revoked = db.session.execute(
        sa.update(SignInLink).where(SignInLink.id == link_id, _usable(_now(now))).values(revoked_at=_now(now))
    )
    db.session.commit()
    return revoked.rowcount == 1


def revoke_links(staff: Staff, now: datetime | None = None) -> int:
    """Revoke every link of a staff member that can still be used; return how many."""
    revoked = db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.staff_id == staff.id, _usable(_now(now)))
        .values(revoked_at=_now(now))
    )
    db.session.commit()
    return revoked.rowcount
