"""The map shows template syntax in venue and room names as text: in each marker's label and its popup.

The server runs on the embedded event's files with Jinja expressions in every name
(tests/security/test_template_injection.py checks every page and export without a browser).
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import own_server
from tests.security.test_template_injection import NOW, PAYLOADS, hostile_files, marked

PAYLOAD = PAYLOADS["expressions"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("template-injection")
    venues, program = hostile_files(workdir, PAYLOAD)
    with own_server(workdir, VENUES_FILE=str(venues), PROGRAM_FILE=str(program), EVENT_NOW=NOW) as (url, _):
        yield url


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_markers_and_popups_show_template_syntax_as_text(browser_session, server, lang) -> None:
    page = browser_session.new_page()
    page.goto(f"{server}/?lang={lang}")
    pins = page.locator(".leaflet-marker-icon .venue-pin")
    expect(pins).to_have_count(4)
    for n in range(4):
        pin = pins.nth(n)
        expect(pin.locator(".venue-pin__label")).to_contain_text(marked(PAYLOAD, f"s{n}"))
        pin.dispatch_event("click")
        popup = page.locator(f'.leaflet-popup-content .popup[data-venue="{pin.get_attribute("data-venue")}"]')
        expect(popup.locator(".popup__title")).to_contain_text(marked(PAYLOAD, f"v{n}"))
        expect(popup.locator(".popup__address")).to_contain_text(marked(PAYLOAD, "a"))
        rooms = popup.locator(".popup__rooms li")
        expect(rooms.first).to_contain_text(marked(PAYLOAD, f"r{n}.0"))
        text = popup.inner_text()
        assert "tpl[49" not in text and "__name__" not in text, text
