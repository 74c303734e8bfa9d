"""Fixtures for the staff pages: an organiser signed in."""

import pytest

from tests.staff.test_auth import PASSWORD, login
from webapp.staff.accounts import create_staff


@pytest.fixture
def organiser(app):
    """A client signed in as organiser 'olga', and the CSRF token for its forms and scripts."""
    with app.app_context():
        create_staff("olga", PASSWORD, "organiser")
    client = app.test_client()
    response, token = login(client, "olga")
    assert response.status_code == 302
    return client, token
