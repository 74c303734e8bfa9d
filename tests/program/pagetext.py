"""Reading a rendered page in tests of the room screens and the streams page: its text and its parts."""

from webapp.live.changes import apply_change


def text(response) -> str:
    return response.get_data(as_text=True)


def section(page: str, element_id: str) -> str:
    """Return the HTML from the element with element_id to the end of its section."""
    part = page[page.index(f'id="{element_id}"') :]
    return part[: part.index("</section>")]


def group(page: str, name: str) -> str:
    """Return the HTML of the list named name (data-list) to the end of its section."""
    part = page[page.index(f'data-list="{name}"') :]
    return part[: part.index("</section>")]


def change(app, data: dict) -> None:
    """Apply one staff change as alice."""
    with app.app_context():
        apply_change(data, by="alice")
