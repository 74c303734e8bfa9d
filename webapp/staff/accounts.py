"""Staff accounts and bearer tokens: create, check, issue, revoke."""

import hashlib
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import ApiToken, Staff

MIN_PASSWORD = 12


class AccountError(ValueError):
    """A refused account operation, with a sentence saying why."""


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_staff(name: str) -> Staff | None:
    """Return the staff member called name, or None."""
    return db.session.scalar(sa.select(Staff).where(Staff.name == name))


def count_staff() -> int:
    """Return how many staff accounts exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Staff))


def create_staff(name: str, password: str) -> Staff:
    """Create a staff account; refuse a taken name or a password shorter than MIN_PASSWORD."""
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("A staff name must be 1 to 80 characters.")
    if get_staff(name):
        raise AccountError(f"There is already a staff account called '{name}'.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters.")
    staff = Staff(name=name, password_hash=generate_password_hash(password), created_at=datetime.now(UTC))
    db.session.add(staff)
    db.session.commit()
    return staff


def check_login(name: str, password: str) -> Staff | None:
    """Return the active staff member whose name and password these are, or None."""
    staff = get_staff(name)
    if staff is None or not staff.active:
        # Hash anyway so a wrong name takes as long as a wrong password.
        check_password_hash(generate_password_hash("x"), password)
        return None
    return staff if check_password_hash(staff.password_hash, password) else None


def issue_token(name: str) -> str:
    """Create a bearer token for a staff member and return it; only its hash is kept."""
    staff = get_staff(name)
    if staff is None:
        raise AccountError(f"There is no staff account called '{name}'.")
    token = "vl_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(staff_id=staff.id, token_hash=_hash_token(token), created_at=datetime.now(UTC)))
    db.session.commit()
    return token


def revoke_tokens(name: str) -> int:
    """Revoke every live token of a staff member; return how many."""
    staff = get_staff(name)
    if staff is None:
        raise AccountError(f"There is no staff account called '{name}'.")
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.staff_id == staff.id, ApiToken.revoked_at.is_(None))
    )
    count = 0
    for token in tokens:
        token.revoked_at = datetime.now(UTC)
        count += 1
    db.session.commit()
    return count


def staff_for_token(token: str) -> Staff | None:
    """Return the active staff member a live token belongs to, or None."""
    found = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if found is None or found.revoked_at is not None or not found.staff.active:
        return None
    return found.staff
