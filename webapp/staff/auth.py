"""Staff sign-in: a CSRF-protected login form whose failures are rate-limited, one-time sign-in links,
sign-out, roles on every staff route; the API's caller."""

import functools
import math
import time

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.extensions import limiter, login_manager
from webapp.models import Staff
from webapp.staff.accounts import (
    MAX_PASSWORD,
    check_login,
    count_staff,
    end_sessions,
    has_role,
    staff_for_session,
    staff_for_token,
)
from webapp.staff.devices import account_key, trust_device, trusted_device
from webapp.staff.links import link_staff, redeem_link
from webapp.text import check_text

bp = Blueprint("auth", __name__)

# Only failed sign-ins count (deduct_when), so the right password is never refused because of earlier
# successes; and the address is the client's own once TRUSTED_PROXIES is set (ProxyFix), not nginx's.
# These count browsers without a device cookie for the account (webapp/staff/devices.py): at a venue
# they all share one address, so an attacker there can use them up; staff whose phone signed in before
# are counted per device instead, and a new phone signs in with a one-time link (webapp/staff/links.py).
FAILURES_PER_ADDRESS = "10 per minute; 50 per hour"
FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per minute; 20 per hour"
# Against guessing one account from many addresses; high enough that one address cannot reach it.
FAILURES_PER_ACCOUNT = "100 per hour"
# A device cookie's own budget: only failures sent with that cookie (which only a sign-in earns) use it.
FAILURES_PER_DEVICE = "5 per minute; 20 per hour"


def one_line(_form, field) -> None:
    """Refuse a form field that is not one line of text (webapp.text): a NUL cannot even be looked up."""
    try:
        check_text(field.data or "", multiline=False)
    except ValueError:
        raise ValidationError(_l("Use letters, digits and punctuation only, on one line.")) from None


class LoginForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80), one_line])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class LinkForm(FlaskForm):
    """The button that uses a sign-in link up: a POST, so a link preview or a prefetch cannot."""


@login_manager.user_loader
def load_staff(session_id: str) -> Staff | None:
    """Return the signed-in staff member for Flask-Login, unless that session was ended."""
    return staff_for_session(session_id)


def bearer_staff() -> Staff | None:
    """Return the staff member whose token is in the Authorization header, or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return staff_for_token(header.removeprefix("Bearer ").strip())


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("staff.console")


def _form_name() -> str:
    return request.form.get("name") or ""


def _account_key() -> str:
    return "account:" + account_key(_form_name())


def _account_and_address_key() -> str:
    return f"{_account_key()}@{get_remote_address()}"


def _device_key() -> str:
    return f"device:{trusted_device(_form_name())}"


def _trusted() -> bool:
    return trusted_device(_form_name()) is not None


def _untrusted() -> bool:
    return not _trusted()


def _failed(response) -> bool:
    return response.status_code == 401


def _signed_in(staff: Staff, target: str | None):
    """Start a fresh session for staff, trust this browser for them, and send them on."""
    # A fresh session: nothing from before sign-in (a planted CSRF token, say) carries over.
    session.clear()
    login_user(staff)
    # The new session gets its CSRF token now, in this response's cookie. Otherwise the first requests
    # after sign-in (the next page, and what a page's service worker was still fetching) would each mint
    # one, and whichever cookie arrived last would void the page's token. generate_csrf() keeps this
    # request's token in g (its docstring names g.csrf_token): the cleared session needs a new one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()
    response = redirect(_safe_next(target))
    trust_device(response, staff.name)
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(FAILURES_PER_ADDRESS, methods=["POST"], deduct_when=_failed, exempt_when=_trusted)
@limiter.limit(
    FAILURES_PER_ACCOUNT_AND_ADDRESS, methods=["POST"], key_func=_account_and_address_key,
    deduct_when=_failed, exempt_when=_trusted,
)  # fmt: skip
@limiter.limit(
    FAILURES_PER_ACCOUNT, methods=["POST"], key_func=_account_key, deduct_when=_failed, exempt_when=_trusted
)
@limiter.limit(
    FAILURES_PER_DEVICE, methods=["POST"], key_func=_device_key, deduct_when=_failed, exempt_when=_untrusted
)
def login():
    """Sign a staff member in."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        staff = check_login(form.name.data, form.password.data)
        if staff:
            return _signed_in(staff, request.args.get("next"))
        flash(_l("Wrong name or password."), "error")
        status = 401
    elif form.is_submitted():
        status = 400
        for name, errors in form.errors.items():
            flash(f"{form[name].label.text}: {errors[0]}", "error")
    return render_template("login.html", form=form, no_staff=count_staff() == 0), status


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def link(token: str):
    """Show whom a one-time sign-in link is for; its button signs them in and uses the link up."""
    form = LinkForm()
    if form.validate_on_submit():
        staff = redeem_link(token)
        if staff is not None:
            return _signed_in(staff, None)
    elif form.is_submitted():
        abort(400, description="The form expired; open the link again.")
    else:
        staff = link_staff(token)
    page = render_template("staff/link.html", form=form, staff=staff, no_live=True)
    # Nobody else may keep a copy of this page, and the link never leaves in a Referer.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return page, 200 if staff is not None else 404, headers


def role_required(role: str):
    """Let in only signed-in staff whose role includes role (else 403); anonymous callers go to sign in."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_role(current_user, role):
                abort(403, description=_("Only an organiser may do this; ask one for the organiser role."))
            return view(*args, **kwargs)

        return wrapper

    return decorate


@bp.errorhandler(429)
def too_many_failures(_exc):
    """Refuse a sign-in after too many failures, saying when to try again (Retry-After)."""
    limit = limiter.current_limit
    # window[0] is the exact reset time (reset_at rounds it up a second, flask_limiter/_extension.py:97).
    wait = max(1, math.ceil(limit.window[0] - time.time())) if limit else 60
    flash(
        _l("Too many failed sign-ins. Try again in %(minutes)d min.", minutes=math.ceil(wait / 60)), "error"
    )
    # What still works: a phone that signed in as this account before, and a link from an organiser.
    flash(
        _l(
            "A phone you signed in with before can still sign in; on another one, ask an organiser for a "
            "one-time sign-in link."
        ),
        "info",
    )
    page = render_template("login.html", form=LoginForm(), no_staff=False)
    return page, 429, {"Retry-After": str(wait)}


@bp.post("/logout")
@login_required
def logout():
    """Sign out, ending this session (and every copy of its cookie) on the server."""
    end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("pages.index"))


def init_app(app: Flask) -> None:
    """Bind Flask-Login and register the sign-in routes."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in as staff.")
    app.register_blueprint(bp)
