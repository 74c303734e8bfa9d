"""Staff accounts and bearer tokens: create, check, issue, revoke; end every session of an account."""

import functools
import hashlib
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import ApiToken, Staff
from webapp.text import check_text

MIN_PASSWORD = 12
# The sign-in form takes no longer password (staff/auth.py), so no account is given one it cannot sign in with.
MAX_PASSWORD = 200
# Each role can do what the ones before it can: an organiser is staff too.
ROLES = ("staff", "organiser")
# werkzeug's scrypt (N=2**15, r=8, p=1): memory-hard, in the standard library, no native extension to pin.
HASH_METHOD = "scrypt:32768:8:1"


class AccountError(ValueError):
    """A refused account operation, with a sentence saying why."""


def hash_token(token: str) -> str:
    """Return what is stored of a secret token: its SHA-256 (the token itself is random, not a password)."""
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    # One hash of a random password, made once: checking it costs exactly what checking a real one does.
    return generate_password_hash(secrets.token_urlsafe(16), method=HASH_METHOD)


def hash_password(password: str) -> str:
    """Return the stored form of a password."""
    return generate_password_hash(password, method=HASH_METHOD)


def get_staff(name: str) -> Staff | None:
    """Return the staff member called name, or None."""
    return db.session.scalar(sa.select(Staff).where(Staff.name == name))


def count_staff() -> int:
    """Return how many staff accounts exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Staff))


def list_staff() -> list[Staff]:
    """Return every staff account, organisers first, then by name."""
    order = sa.case({role: -rank for rank, role in enumerate(ROLES)}, value=Staff.role)
    return list(db.session.scalars(sa.select(Staff).order_by(order, Staff.name)))


def has_role(staff: Staff, role: str) -> bool:
    """Tell whether a staff member may do what role may (an organiser may do what staff may)."""
    return staff.role in ROLES and ROLES.index(staff.role) >= ROLES.index(role)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"A role is one of {', '.join(ROLES)} (not '{role[:20]}').")


def create_staff(name: str, password: str | None, role: str = "staff") -> Staff:
    """Create a staff account; refuse a taken name, an unknown role or a password shorter than MIN_PASSWORD.

    Without a password the account signs in only with one-time sign-in links (webapp.staff.links).
    """
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("A staff name must be 1 to 80 characters.")
    try:
        check_text(name, multiline=False)  # the rule the sign-in form applies to the name
    except ValueError as exc:
        raise AccountError(f"A staff name {exc}.") from None
    if get_staff(name):
        raise AccountError(f"There is already a staff account called '{name}'.")
    _check_role(role)
    if password is None:
        password = secrets.token_urlsafe(32)  # never shown: nobody knows it
    _check_length(password)
    staff = Staff(name=name, password_hash=hash_password(password), created_at=datetime.now(UTC), role=role)
    db.session.add(staff)
    db.session.commit()
    return staff


def _active_organisers() -> int:
    query = sa.select(sa.func.count()).select_from(Staff).where(Staff.role == "organiser", Staff.active)
    return db.session.scalar(query)


def _keep_an_organiser(staff: Staff) -> None:
    # Someone must be left who can manage the accounts from the browser.
    if staff.role == "organiser" and staff.active and _active_organisers() == 1:
        raise AccountError(f"'{staff.name}' is the only active organiser; make another organiser first.")


def _named(name: str) -> Staff:
    staff = get_staff(name)
    if staff is None:
        raise AccountError(f"There is no staff account called '{name}'.")
    return staff


def set_role(name: str, role: str) -> Staff:
    """Give a staff member a role (staff or organiser); the last active organiser keeps theirs."""
    _check_role(role)
    staff = _named(name)
    if role != staff.role:
        _keep_an_organiser(staff)
        staff.role = role
        db.session.commit()
    return staff


def set_active(name: str, active: bool) -> Staff:
    """Turn an account off (every session, token and sign-in link stops working) or on again."""
    staff = _named(name)
    if staff.active and not active:
        _keep_an_organiser(staff)
    staff.active = active
    if not active:
        staff.session_epoch += 1  # signed out everywhere, also once the account is on again
    db.session.commit()
    return staff


def _check_length(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(
            f"The password must be at most {MAX_PASSWORD} characters (the sign-in form takes no more)."
        )


def check_login(name: str, password: str) -> Staff | None:
    """Return the active staff member whose name and password these are, or None."""
    staff = get_staff(name)
    if staff is None or not staff.active:
        # Exactly one hash check either way, so a wrong name takes as long as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(staff.password_hash, password):
        return None
    if not staff.password_hash.startswith(HASH_METHOD + "$"):
        # An older or weaker hash (e.g. pbkdf2) is replaced the first time the password is known.
        staff.password_hash = hash_password(password)
        db.session.commit()
    return staff


def set_password(name: str, password: str) -> None:
    """Set a staff member's password and end every session they have open."""
    staff = _named(name)
    _check_length(password)
    staff.password_hash = hash_password(password)
    staff.session_epoch += 1
    db.session.commit()


def end_sessions(staff: Staff) -> None:
    """End every signed-in session of a staff member: each copy of their session cookie stops working."""
    staff.session_epoch += 1
    db.session.commit()


def staff_for_session(session_id: str) -> Staff | None:
    """Return the active staff member a Flask-Login session id ("<id>.<epoch>") still belongs to, or None."""
    staff_id, _, epoch = session_id.partition(".")
    if not (staff_id.isdigit() and epoch.isdigit()):
        return None  # also a cookie from before epochs existed: sign in again
    staff = db.session.get(Staff, int(staff_id))
    if staff is None or not staff.active or staff.session_epoch != int(epoch):
        return None
    return staff


def issue_token(name: str) -> str:
    """Create a bearer token for a staff member and return it; only its hash is kept."""
    staff = _named(name)
    token = "vl_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(staff_id=staff.id, token_hash=hash_token(token), created_at=datetime.now(UTC)))
    db.session.commit()
    return token


def revoke_tokens(name: str) -> int:
    """Revoke every live token of a staff member; return how many."""
    staff = _named(name)
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
    found = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if found is None or found.revoked_at is not None or not found.staff.active:
        return None
    return found.staff
