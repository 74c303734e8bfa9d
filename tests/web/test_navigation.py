"""The top bar tells a visitor where they are: the link to the page they are on, and only it, is current."""

import lxml.html
import pytest


def current_links(response, nav: str) -> list[str]:
    """Return the words of the links marked aria-current="page" in the page's nav of class nav."""
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    return [a.text_content().strip() for a in tree.xpath(f'//nav[@class="{nav}"]//a[@aria-current="page"]')]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", ["Map"]),
        ("/schedule", ["Schedule"]),
        ("/live", ["Watch online"]),
        ("/agenda", ["My agenda"]),
        ("/venues/kins-tower", []),
        ("/sessions/keynote-ohno-machado", []),
        ("/speakers", []),
    ],
)
def test_the_top_bar_marks_the_page_you_are_on(client, path, current):
    assert current_links(client.get(f"{path}?lang=en"), "topnav") == current
