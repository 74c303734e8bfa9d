"""Roles: staff make today's changes; organisers also place venues and manage accounts. Made on the server too."""

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.staff.test_auth import PASSWORD
from webapp import create_app
from webapp.extensions import db
from webapp.models import Staff
from webapp.staff.accounts import AccountError, create_staff, get_staff, has_role, set_active, set_role


def test_an_organiser_is_made_on_the_command_line(app):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["staff", "create", "olga", "--role", "organiser"], input=PASSWORD + "\n")
    assert made.exit_code == 0 and "Created organiser account 'olga'." in made.output
    plain = runner.invoke(args=["staff", "create", "bob"], input=PASSWORD + "\n")
    assert "Created staff account 'bob'." in plain.output
    assert (
        runner.invoke(args=["staff", "role", "bob", "organiser"]).output.strip() == "'bob' is now organiser."
    )
    assert (
        runner.invoke(args=["staff", "create", "x", "--role", "admin"], input=PASSWORD + "\n").exit_code != 0
    )
    with app.app_context():
        assert [get_staff(n).role for n in ("olga", "bob")] == ["organiser", "organiser"]
        assert get_staff("x") is None


def test_an_organiser_may_do_what_staff_may(app):
    with app.app_context():
        olga, bob = create_staff("olga", PASSWORD, "organiser"), create_staff("bob", PASSWORD)
        assert has_role(olga, "staff") and has_role(olga, "organiser")
        assert has_role(bob, "staff") and not has_role(bob, "organiser")


def test_the_last_active_organiser_cannot_be_demoted_or_turned_off(app):
    with app.app_context():
        create_staff("olga", PASSWORD, "organiser")
        for change in (lambda: set_role("olga", "staff"), lambda: set_active("olga", False)):
            with pytest.raises(AccountError, match="only active organiser"):
                change()
        create_staff("bob", PASSWORD, "organiser")
        set_role("olga", "staff")
        assert get_staff("olga").role == "staff"
    result = app.test_cli_runner().invoke(args=["staff", "role", "bob", "staff"])
    assert result.exit_code != 0 and "only active organiser" in result.output


def test_accounts_made_before_roles_existed_are_staff(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="0005")
        db.session.execute(
            sa.text(
                "INSERT INTO staff (name, password_hash, created_at, active, session_epoch) "
                "VALUES ('old', 'x', '2026-11-30 10:00:00+00:00', true, 0)"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.scalar(sa.select(Staff.role).where(Staff.name == "old")) == "staff"
        db.session.remove()
        db.engine.dispose()
