"""An organiser places an imported event's venues on /staff/venues, on a phone, without tiles, and saves.

The event is not the embedded one: a skeleton as `import-schedule` writes it (every room in one venue,
"geometry": null), so the server starts with nothing to show until the venues are placed.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, STAFF_NAME, STAFF_PASSWORD, start_event_server
from tests.servers import run_flask

SESSIONS = [
    ("opening", "Opening", "saal-1", "10:00", "10:30"),
    ("keynote", "Keynote", "saal-1", "10:30", "11:30"),
    ("talk-saal-2", "Talk in Saal 2", "saal-2", "11:45", "12:30"),
    ("soldering-workshop", "Soldering workshop", "workshop-a", "13:00", "15:00"),
]
# Where the organiser puts them: the hall in Berlin-Mitte and an annex about 600 m away.
HALL = (52.5200, 13.4050)
ANNEX = (52.5230, 13.4120)


def skeleton_files(directory: Path) -> tuple[Path, Path]:
    """Write DemoCon's program and its venues skeleton (one unplaced venue holding every room)."""
    venues = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "democon",
                "geometry": None,
                "properties": {
                    "id": "democon",
                    "name": {"de": "DemoCon", "en": "DemoCon"},
                    "position": "approximate",
                    "accuracy_m": 5000,
                    "rooms": [
                        {"id": "saal-1", "name": {"de": "Saal 1", "en": "Hall 1"}},
                        {"id": "saal-2", "name": {"de": "Saal 2", "en": "Hall 2"}},
                        {"id": "workshop-a", "name": {"de": "Werkstatt A", "en": "Workshop A"}},
                    ],
                },
            }
        ],
    }
    program = {
        "event": {
            "id": "democon-2026",
            "name": {"de": "DemoCon 2026", "en": "DemoCon 2026"},
            "short_name": {"en": "DemoCon"},
            "timezone": "Europe/Berlin",
            "days": ["2026-06-12"],
            "languages": ["de", "en"],
        },
        "tracks": [{"id": "main", "name": {"en": "Main"}, "color": "#0b5cad"}],
        "sessions": [
            {
                "id": ident, "title": {"en": title}, "track": "main",
                "start": f"2026-06-12T{start}:00+02:00", "end": f"2026-06-12T{end}:00+02:00",
                "venue": "democon", "room": room, "mode": "in_person", "provenance": "sourced", "language": "en",
            }
            for ident, title, room, start, end in SESSIONS
        ],
    }  # fmt: skip
    venues_path, program_path = directory / "venues.geojson", directory / "program.json"
    venues_path.write_text(json.dumps(venues, indent=2))
    program_path.write_text(json.dumps(program, indent=2))
    return venues_path, program_path


@pytest.fixture(scope="module")
def democon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve DemoCon from its skeleton, with 'alice' an organiser; yield the base URL."""
    workdir = tmp_path_factory.mktemp("democon")
    venues_path, program_path = skeleton_files(workdir)
    env = {
        "VENUES_FILE": str(venues_path),
        "PROGRAM_FILE": str(program_path),
        "EVENT_NOW": "2026-06-12T10:40+02:00",
    }
    with start_event_server(workdir, **env) as base_url:
        run_flask(
            ["staff", "role", "alice", "organiser"],
            {"DATABASE_URL": f"sqlite:///{workdir / 'venue-live.db'}", **env},
        )
        yield base_url


def sign_in(page: Page, base_url: str) -> None:
    """Sign in as the organiser; before the venues are placed, staff pages lead to /staff/venues/."""
    page.goto(f"{base_url}/login?lang=en")
    page.get_by_label("Name").fill(STAFF_NAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def setting_up(message) -> bool:
    """Tell whether a console message is the browser noting the 503 of a page still being set up."""
    return "503" in message.text


def card(page: Page, name: str):
    """Return the card of the venue whose title is name."""
    return page.locator(".vcard").filter(has=page.locator(".vcard__title", has_text=name))


def drag_room(page: Page, room: str, venue: str) -> None:
    """Drag a room chip by its handle onto a venue's card, as a finger or a mouse does."""
    handle = page.locator(f'.roomchip[data-room="{room}"] .roomchip__handle')
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    target = card(page, venue).locator(".vcard__head")
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()


def test_an_organiser_places_two_venues_and_moves_a_room_on_a_phone(democon, browser_session, screenshot_dir):
    visitor = browser_session.new_page(viewport=PHONE, allow_console=setting_up)
    visitor.goto(f"{democon}/?lang=en")
    expect(visitor.locator("h1")).to_have_text("This event is being set up")

    page = browser_session.new_page(viewport=PHONE, allow_console=setting_up)
    sign_in(page, democon)
    expect(page).to_have_url(f"{democon}/staff/venues/")
    page.goto(f"{democon}/staff/venues/?lang=en")
    hall = card(page, "DemoCon")
    expect(hall.locator("[data-hint]")).to_contain_text("Not placed yet")
    expect(hall.locator(".roomchip")).to_have_count(3)
    page.screenshot(path=str(screenshot_dir / "venues-editor-skeleton-phone.png"), full_page=True)

    # Place the hall by typing where it is (no tiles here: the field works without them).
    hall.locator('[data-field="position"]').fill(f"{HALL[0]}, {HALL[1]}")
    hall.locator('[data-field="position"]').press("Enter")
    expect(page.locator('.ve-marker [data-venue="democon"]')).to_be_visible()

    # Add the annex, name it, put its pin at the map's centre, then drag the pin east.
    page.get_by_role("button", name="Add a venue").click()
    annex = page.locator(".vcard").last
    annex.get_by_label("Name (en)").fill("Annex")
    annex.get_by_label("Address (en)").fill("Karl-Liebknecht-Str. 5, Berlin")
    annex.get_by_role("button", name="Place at the map's centre").click()
    pin = page.locator('.ve-marker [data-venue="annex"] .venue-pin__dot')
    expect(pin).to_be_visible()
    page.locator("#ve-map").scroll_into_view_if_needed()
    box = pin.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 10, steps=6)
    page.mouse.up()
    dragged = annex.locator('[data-field="position"]').input_value()
    assert dragged and dragged != f"{HALL[0]:.6f}, {HALL[1]:.6f}", dragged
    # ...and then type the exact place after all, marked approximate.
    annex.locator('[data-field="position"]').fill(f"{ANNEX[0]}, {ANNEX[1]}")
    annex.locator('[data-field="position"]').press("Tab")
    annex.get_by_label("Approximate position").check()

    drag_room(page, "workshop-a", "Annex")
    expect(card(page, "Annex").locator('.roomchip[data-room="workshop-a"]')).to_be_visible()
    expect(card(page, "DemoCon").locator(".roomchip")).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "venues-editor-before-save-phone.png"), full_page=True)

    page.get_by_role("button", name="Save venues").click()
    expect(page.locator("#ve-status")).to_have_text("Saved. The map and every page now show these venues.")
    page.screenshot(path=str(screenshot_dir / "venues-editor-saved-phone.png"))

    # The visitor's page said "being set up"; the map now shows both pins, the annex approximate.
    visitor.goto(f"{democon}/?lang=en")
    expect(visitor.locator('.venue-pin[data-venue="democon"]')).to_be_visible()
    expect(visitor.locator('.venue-pin--approximate[data-venue="annex"]')).to_be_visible()
    visitor.screenshot(path=str(screenshot_dir / "venues-editor-map-after-phone.png"))
    visitor.goto(f"{democon}/sessions/soldering-workshop?lang=en")
    expect(visitor.locator("main")).to_contain_text("Annex")
    expect(visitor.locator("main")).to_contain_text("Workshop A")
    visitor.screenshot(path=str(screenshot_dir / "venues-editor-session-after-phone.png"), full_page=True)
    visitor.goto(f"{democon}/sessions/keynote?lang=en")
    expect(visitor.locator("main")).to_contain_text("DemoCon")


def test_a_bad_save_shows_the_files_sentence_and_keeps_the_edits(democon, browser_session, screenshot_dir):
    # The browser notes the refused save (400) in the console; that answer is what this test wants.
    page = browser_session.new_page(viewport=DESKTOP, allow_console=lambda message: "400" in message.text)
    sign_in(page, democon)
    page.goto(f"{democon}/staff/venues/?lang=en")
    expect(page.locator(".vcard")).to_have_count(2)
    page.get_by_role("button", name="Add a venue").click()
    empty = page.locator(".vcard").last
    empty.get_by_label("Name (en)").fill("Empty tent")
    empty.get_by_label("Latitude, longitude").fill("52.5210, 13.4090")
    empty.get_by_label("Latitude, longitude").press("Enter")
    page.get_by_role("button", name="Save venues").click()
    error = page.locator("#ve-error")
    expect(error).to_be_visible()
    expect(error).to_have_text(
        "venues.geojson: feature 'empty-tent', field 'properties.rooms': "
        "List should have at least 1 item after validation, not 0"
    )
    expect(page.locator(".vcard")).to_have_count(3)  # nothing lost
    expect(empty.get_by_label("Name (en)")).to_have_value("Empty tent")
    page.screenshot(path=str(screenshot_dir / "venues-editor-error-desktop.png"))


def test_the_page_reads_in_korean_on_a_phone(democon, browser_session, screenshot_dir):
    page = browser_session.new_page(viewport=PHONE, locale="ko-KR")
    sign_in(page, democon)
    page.goto(f"{democon}/staff/venues/?lang=ko")
    expect(page.get_by_role("button", name="행사장 저장")).to_be_visible()
    expect(page.locator(".roomchip__count").first).to_contain_text("세션")
    page.screenshot(path=str(screenshot_dir / "venues-editor-ko-phone.png"), full_page=True)
