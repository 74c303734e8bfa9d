"""Staff sign-in: a CSRF-protected login form whose failures are rate-limited; sign-out; the API's caller."""

import math
import time

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.extensions import limiter, login_manager
from webapp.models import Staff
from webapp.staff.accounts import check_login, count_staff, end_sessions, staff_for_session, staff_for_token
from webapp.text import check_text

bp = Blueprint("auth", __name__)

# Only failed sign-ins count (deduct_when), so the right password is never refused because of earlier
# successes; and the address is the client's own once TRUSTED_PROXIES is set (ProxyFix), not nginx's.
FAILURES_PER_ADDRESS = "10 per minute; 50 per hour"
FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per minute; 20 per hour"
# Against guessing one account from many addresses; high enough that one address cannot reach it.
FAILURES_PER_ACCOUNT = "100 per hour"


def one_line(_form, field) -> None:
    """Refuse a form field that is not one line of text (webapp.text): a NUL cannot even be looked up."""
    try:
        check_text(field.data or "", multiline=False)
    except ValueError:
        raise ValidationError(_l("Use letters, digits and punctuation only, on one line.")) from None


class LoginForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80), one_line])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


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


def _account_key() -> str:
    return "account:" + (request.form.get("name") or "").strip().casefold()[:80]


def _account_and_address_key() -> str:
    return f"{_account_key()}@{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(FAILURES_PER_ADDRESS, methods=["POST"], deduct_when=_failed)
@limiter.limit(
    FAILURES_PER_ACCOUNT_AND_ADDRESS, methods=["POST"], key_func=_account_and_address_key, deduct_when=_failed
)
@limiter.limit(FAILURES_PER_ACCOUNT, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    """Sign a staff member in."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        staff = check_login(form.name.data, form.password.data)
        if staff:
            # A fresh session: nothing from before sign-in (a planted CSRF token, say) carries over.
            session.clear()
            login_user(staff)
            # The new session gets its CSRF token now, in this response's cookie. Otherwise the first
            # requests after sign-in (the next page, and what a page's service worker was still fetching)
            # would each mint one, and whichever cookie arrived last would void the page's token.
            # generate_csrf() keeps this request's token in g (its docstring names g.csrf_token): the
            # cleared session needs a new one, not the sign-in form's.
            g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
            generate_csrf()
            return redirect(_safe_next(request.args.get("next")))
        flash(_l("Wrong name or password."), "error")
        status = 401
    elif form.is_submitted():
        status = 400
        for name, errors in form.errors.items():
            flash(f"{form[name].label.text}: {errors[0]}", "error")
    return render_template("login.html", form=form, no_staff=count_staff() == 0), status


@bp.errorhandler(429)
def too_many_failures(_exc):
    """Refuse a sign-in after too many failures, saying when to try again (Retry-After)."""
    limit = limiter.current_limit
    # window[0] is the exact reset time (reset_at rounds it up a second, flask_limiter/_extension.py:97).
    wait = max(1, math.ceil(limit.window[0] - time.time())) if limit else 60
    flash(
        _l("Too many failed sign-ins. Try again in %(minutes)d min.", minutes=math.ceil(wait / 60)), "error"
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
