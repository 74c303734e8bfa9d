"""The staff bar tells staff where they are: the link to the page they are on, and only it, is current."""

import pytest

from tests.web.test_navigation import current_links


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/staff", "Console"),
        ("/staff/log", "Change log"),
        ("/staff/signage", "Signage"),
        ("/staff/venues", "Venues"),
        ("/staff/accounts", "Accounts"),
    ],
)
def test_the_staff_bar_marks_the_page_you_are_on(organiser, path, current):
    client, _token = organiser
    response = client.get(f"{path}?lang=en", follow_redirects=True)
    assert current_links(response, "staffnav") == [current]
    assert current_links(response, "topnav") == []
