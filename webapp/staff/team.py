"""Staff accounts from the browser (organisers): add an account, roles, turn off, one-time sign-in links."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.extensions import db
from webapp.models import Staff
from webapp.staff.accounts import ROLES, AccountError, create_staff, list_staff, set_active, set_role
from webapp.staff.auth import role_required
from webapp.staff.links import (
    DEFAULT_MINUTES,
    LINK_MINUTES,
    issue_link,
    open_links,
    revoke_link,
    revoke_links,
)
from webapp.staff.signage import qr_svg
from webapp.web.context import current_event

bp = Blueprint("accounts", __name__, url_prefix="/staff/accounts")

ROLE_WORDS = {"staff": _l("Staff: today's changes"), "organiser": _l("Organiser: also venues and accounts")}
ROLE_NAMES = {"staff": _l("Staff"), "organiser": _l("Organiser")}


def _minutes_choices() -> list[tuple[int, str]]:
    def words(minutes: int) -> str:
        if minutes < 60:
            return _("%(n)d min", n=minutes)
        return _("%(n)d h", n=minutes // 60)

    return [SelectChoice(m, words(m)) for m in LINK_MINUTES]


class AddAccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_WORDS[r]) for r in ROLES], default="staff")
    minutes = SelectField(_l("Sign-in link valid for"), coerce=int, default=DEFAULT_MINUTES)


class LinkForm(FlaskForm):
    minutes = SelectField(_l("Valid for"), coerce=int, default=DEFAULT_MINUTES)


@dataclass(frozen=True)
class IssuedLink:
    """A sign-in link just made: shown on this one answer, never again."""

    name: str
    url: str
    expires_at: datetime
    qr: Markup


def _with_minutes(form):
    form.minutes.choices = _minutes_choices()
    return form


def _issue(name: str, minutes: int) -> IssuedLink:
    token, link = issue_link(name, by=current_user.name, minutes=minutes)
    url = url_for("auth.link", token=token, _external=True)
    return IssuedLink(name, url, link.expires_at, qr_svg(url))


def _page(form=None, issued: IssuedLink | None = None, status: int = 200):
    accounts = list_staff()
    links: dict[int, list] = {}
    for item in open_links():
        links.setdefault(item.staff_id, []).append(item)
    page = render_template(
        "staff/accounts.html",
        accounts=accounts,
        links=links,
        # Empty after an account was added (a form would otherwise fill itself from the request).
        form=form or _with_minutes(AddAccountForm(formdata=None)),
        link_form=_with_minutes(LinkForm()),
        roles=ROLE_WORDS,
        role_names=ROLE_NAMES,
        issued=issued,
        tz=current_event().tz,
        no_live=True,
    )
    # A page showing a sign-in link is not kept by any cache, and the link never leaves in a Referer.
    return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _staff(staff_id: int) -> Staff:
    return db.get_or_404(Staff, staff_id, description=_("There is no such staff account."))


def _back(message: str | None = None, error: str | None = None):
    if message:
        flash(message, "info")
    if error:
        flash(error, "error")
    return redirect(url_for("accounts.accounts"))


@bp.get("/")
@role_required("organiser")
def accounts():
    """List the staff accounts and their open sign-in links, with a form to add one."""
    return _page()


@bp.post("/")
@role_required("organiser")
def add():
    """Add an account and show its first sign-in link, once."""
    form = _with_minutes(AddAccountForm())
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        create_staff(form.name.data, None, form.role.data)
        issued = _issue(form.name.data.strip(), form.minutes.data)
    except AccountError as exc:
        form.name.errors.append(str(exc))
        return _page(form, status=400)
    return _page(issued=issued)


@bp.post("/<int:staff_id>/link")
@role_required("organiser")
def new_link(staff_id: int):
    """Make a new one-time sign-in link for an account and show it, once."""
    staff, form = _staff(staff_id), _with_minutes(LinkForm())
    if not form.validate_on_submit():
        return _back(error=_("Choose how long the link is valid."))
    try:
        return _page(issued=_issue(staff.name, form.minutes.data))
    except AccountError as exc:
        return _back(error=str(exc))


@bp.post("/<int:staff_id>/role")
@role_required("organiser")
def change_role(staff_id: int):
    """Give an account another role."""
    staff, role = _staff(staff_id), request.form.get("role", "")
    try:
        set_role(staff.name, role)
    except AccountError as exc:
        return _back(error=str(exc))
    return _back(_("%(name)s is now: %(role)s.", name=staff.name, role=ROLE_WORDS[role]))


@bp.post("/<int:staff_id>/active")
@role_required("organiser")
def change_active(staff_id: int):
    """Turn an account off (signed out everywhere, its links revoked) or on again."""
    staff, active = _staff(staff_id), request.form.get("active") == "1"
    try:
        set_active(staff.name, active)
    except AccountError as exc:
        return _back(error=str(exc))
    if not active:
        revoke_links(staff)
        return _back(_("%(name)s is turned off and signed out everywhere.", name=staff.name))
    return _back(_("%(name)s is turned on again.", name=staff.name))


@bp.post("/links/<int:link_id>/revoke")
@role_required("organiser")
def revoke(link_id: int):
    """Revoke a sign-in link that was not used yet."""
    if revoke_link(link_id):
        return _back(_("The sign-in link is revoked."))
    return _back(error=_("That sign-in link was used, had expired or was revoked already."))
