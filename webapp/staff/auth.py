"""Staff sign-in: a CSRF-protected, rate-limited login form and sign-out; who is asking, for the API."""

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.extensions import db, limiter, login_manager
from webapp.models import Staff
from webapp.staff.accounts import check_login, count_staff, staff_for_token

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_staff(staff_id: str) -> Staff | None:
    """Return the signed-in staff member for Flask-Login."""
    staff = db.session.get(Staff, int(staff_id)) if staff_id.isdigit() else None
    return staff if staff and staff.active else None


def bearer_staff() -> Staff | None:
    """Return the staff member whose token is in the Authorization header, or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return staff_for_token(header.removeprefix("Bearer ").strip())


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.console")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    """Sign a staff member in."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        staff = check_login(form.name.data, form.password.data)
        if staff:
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")))
        flash(_l("Wrong name or password."), "error")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("login.html", form=form, no_staff=count_staff() == 0), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out."""
    logout_user()
    return redirect(url_for("pages.index"))


def init_app(app: Flask) -> None:
    """Bind Flask-Login and register the sign-in routes."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in as staff.")
    app.register_blueprint(bp)
