"""The map page (/) as a visitor on a phone sees it: four venue pins, popups with now/next, no CDN.

The server runs with EVENT_NOW=2023-11-29T10:30+09:00: day 1, while the exhibition at Gravity is open.
"""

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import start_event_server
from webapp.config import OSM_TILES

VENUES = {"gravity-pangyo", "healthcare-innovation-park", "kins-tower", "training-center"}
GRAVITY_NAME_EN = "Gravity Seoul Pangyo, Autograph Collection"
DESKTOP = {"width": 1280, "height": 800}


def box_inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    """Tell whether bounding box inner lies within outer."""
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def wait_until_still(page: Page, locator: Locator, tries: int = 30) -> dict:
    """Wait until locator's box stops moving (the map pans after a popup opens); return the box."""
    last = None
    for _ in range(tries):
        box = locator.bounding_box()
        if box is not None and box == last:
            return box
        last = box
        page.wait_for_timeout(100)
    raise AssertionError(f"{locator} kept moving: last box {last}")


def sections(dl: Locator) -> dict[str, list[str]]:
    """Return a now/next list as {dt text: [dd texts]}, e.g. {"Now": [...], "Next": [...]}."""
    return dl.evaluate(
        """(dl) => {
            const out = {};
            let key = null;
            for (const el of dl.children) {
                if (el.tagName === "DT") { key = el.textContent.trim(); out[key] = []; }
                else if (key !== null) out[key].push(el.textContent.replace(/\\s+/g, " ").trim());
            }
            return out;
        }"""
    )


def open_map(page: Page, base_url: str, lang: str = "en") -> None:
    """Load the map page and wait for its four markers."""
    page.goto(f"{base_url}/?lang={lang}", wait_until="networkidle")
    expect(page.locator(".leaflet-marker-icon .venue-pin")).to_have_count(4)


def open_popup(page: Page, venue: str) -> Locator:
    """Click a venue's marker; return its popup once map.js has filled now/next in."""
    page.locator(f".leaflet-marker-icon .venue-pin[data-venue={venue}]").click()
    popup = page.locator(f".leaflet-popup .popup[data-venue={venue}]")
    expect(popup).to_be_visible()
    expect(popup.locator("[data-now-next] dl.nn")).to_be_visible()
    return popup


def changed_pixels(shown: Image.Image, hidden: Image.Image, box: dict) -> int:
    """Return how many pixels inside box differ clearly (not by anti-aliasing) between two pictures."""
    area = tuple(round(v) for v in (box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
    diff = ImageChops.difference(shown.crop(area), hidden.crop(area)).convert("L")
    return sum(diff.point(lambda v: 255 if v > 40 else 0).histogram()[255:])


def assert_screenshot_shows(page: Page, path: Path, things: Locator, at_least: int) -> None:
    """Save the window's screenshot at path and check it shows things: at least `at_least` of them lie in
    the window, and each of those is painted there (the picture changes where it is when it is hidden)."""
    page.screenshot(path=str(path))
    shown = Image.open(path).convert("RGB")
    window = {"x": 0, "y": 0, **page.viewport_size}
    assert shown.size == (window["width"], window["height"])
    boxes = [box for box in (things.nth(i).bounding_box() for i in range(things.count())) if box]
    in_window = [box for box in boxes if box_inside(box, window)]
    assert len(in_window) >= at_least, f"{things}: {len(in_window)} of {boxes} in the window {window}"
    things.evaluate_all("(all) => all.forEach((e) => { e.style.visibility = 'hidden'; })")
    hidden = Image.open(BytesIO(page.screenshot())).convert("RGB")
    things.evaluate_all("(all) => all.forEach((e) => { e.style.visibility = ''; })")
    # The two pictures are the same rendering but for the things: a few glyphs' worth of changed pixels
    # in a thing's box is the thing, drawn.
    unpainted = [box for box in in_window if changed_pixels(shown, hidden, box) < 50]
    assert not unpainted, f"{things} are not in the screenshot {path} where the page has them: {unpainted}"


def test_map_shows_exactly_four_venue_markers_all_inside_the_visible_map(
    page: Page, live_server: str
) -> None:
    open_map(page, live_server)
    pins = page.locator(".leaflet-marker-icon .venue-pin")
    assert {pins.nth(i).get_attribute("data-venue") for i in range(4)} == VENUES
    map_box = page.locator(".folium-map").bounding_box()
    assert map_box and map_box["width"] > 300 and map_box["height"] > 250, f"map too small: {map_box}"
    for i in range(4):
        pin = pins.nth(i)
        expect(pin).to_be_visible()
        dot = pin.locator(".venue-pin__dot").bounding_box()
        assert dot is not None and box_inside(dot, map_box), (
            f"marker {pin.get_attribute('data-venue')} at {dot} is outside the map {map_box}"
        )


def test_every_marker_label_is_readable_inside_the_map_on_a_phone(page: Page, live_server: str) -> None:
    open_map(page, live_server)
    map_box = page.locator(".folium-map").bounding_box()
    pins = page.locator(".leaflet-marker-icon .venue-pin")
    outside = {
        pins.nth(i).get_attribute("data-venue"): box
        for i in range(4)
        if not box_inside(box := pins.nth(i).bounding_box(), map_box)
    }
    assert not outside, f"labels cut off by the map's edge {map_box}: {outside}"


def test_clicking_gravity_marker_opens_popup_with_name_and_exhibition_on_now(
    page: Page, live_server: str
) -> None:
    open_map(page, live_server)
    popup = open_popup(page, "gravity-pangyo")
    expect(popup.locator(".popup__title")).to_have_text(GRAVITY_NAME_EN)
    listed = sections(popup.locator("[data-now-next] dl.nn"))
    assert "Now" in listed, f"no Now section in the popup: {listed}"
    assert any("exhibition" in item.lower() for item in listed["Now"]), f"exhibition not on now: {listed}"


def test_open_popup_fits_inside_the_map_on_a_phone(page: Page, live_server: str) -> None:
    open_map(page, live_server)
    open_popup(page, "gravity-pangyo")
    box = wait_until_still(page, page.locator(".leaflet-popup"))
    map_box = page.locator(".folium-map").bounding_box()
    assert box_inside(box, map_box), f"popup {box} sticks out of the map {map_box}"


@pytest.fixture(scope="module")
def tile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server drawing its map from the default tile server (the other tests' servers use a data: URL)."""
    with start_event_server(tmp_path_factory.mktemp("tile-server"), TILES_URL=OSM_TILES) as base_url:
        yield base_url


def test_page_loads_nothing_from_hosts_other_than_the_app_and_the_tile_server(
    browser_session, tile_server: str, tile_host: str
) -> None:
    page = browser_session.new_page(tiles="png")  # the tile host answered with a 1x1 PNG
    page_log = browser_session.log(page)
    open_map(page, tile_server)
    open_popup(page, "kins-tower")
    page.wait_for_load_state("networkidle")
    hosts = page_log.hosts()
    assert tile_host in hosts, f"expected tile requests to {tile_host}; saw {sorted(hosts)}"
    assert hosts <= {"127.0.0.1", tile_host}, (
        f"requests to other hosts: {sorted(hosts - {'127.0.0.1', tile_host})}"
    )


def test_training_centre_is_drawn_as_approximate_with_a_dashed_circle(page: Page, live_server: str) -> None:
    open_map(page, live_server)
    approximate = page.locator(".leaflet-marker-icon .venue-pin.venue-pin--approximate")
    expect(approximate).to_have_count(1)
    expect(approximate).to_have_attribute("data-venue", "training-center")
    circle = page.locator(".leaflet-overlay-pane svg path[stroke-dasharray]")
    expect(circle).to_have_count(1)
    expect(circle).to_be_visible()
    assert circle.get_attribute("stroke-dasharray").split() == ["6", "6"]
    ring, dot = circle.bounding_box(), approximate.locator(".venue-pin__dot").bounding_box()
    centre = {"x": dot["x"] + dot["width"] / 2, "y": dot["y"] + dot["height"] / 2, "width": 0, "height": 0}
    assert box_inside(centre, ring), f"the dashed circle {ring} is not around the training centre's dot {dot}"


def test_markers_and_now_next_still_render_when_tiles_fail(
    browser_session, tile_server: str, tile_error_filter, tile_host: str
) -> None:
    # Only here: console errors caused by the failing tile URLs are allowed; any other still fails.
    page = browser_session.new_page(tiles="abort", allow_console=tile_error_filter)
    log = browser_session.log(page)
    open_map(page, tile_server)
    for venue in sorted(VENUES):
        expect(page.locator(f".leaflet-marker-icon .venue-pin[data-venue={venue}]")).to_be_visible()
        expect(page.locator(f"article.venue-card[data-venue={venue}] dl.nn")).to_be_visible()
    card = sections(page.locator("article.venue-card[data-venue=gravity-pangyo] dl.nn"))
    assert any("exhibition" in item.lower() for item in card.get("Now", [])), card
    popup = open_popup(page, "gravity-pangyo")
    assert any("exhibition" in s.lower() for s in sections(popup.locator("dl.nn")).get("Now", []))
    assert log.failed_requests, "no tile request failed: the test did not exercise failing tiles"
    assert all(tile_host in url for url in log.failed_requests), log.failed_requests


def test_phone_screenshot_of_map_with_open_popup_is_saved(
    page: Page, live_server: str, screenshot_dir: Path
) -> None:
    open_map(page, live_server)
    popup = open_popup(page, "gravity-pangyo")
    wait_until_still(page, page.locator(".leaflet-popup"))
    # The popup's name and address are in the picture, inside the window (on a phone the popup scrolls
    # inside the short map: its now/next list is below, reached by scrolling the popup).
    assert_screenshot_shows(
        page, screenshot_dir / "map-phone.png", popup.locator("h3, p.popup__address"), at_least=2
    )
    expect(popup).to_contain_text(GRAVITY_NAME_EN)


def test_phone_screenshot_of_schedule_is_saved(page: Page, live_server: str, screenshot_dir: Path) -> None:
    page.goto(f"{live_server}/schedule?lang=en", wait_until="networkidle")
    rows = page.locator("#schedule-list li.srow")
    expect(rows.first).to_be_visible()
    # The first screen's sessions, their times and titles, are in the picture.
    shown = rows.locator(":is(.srow__time, .srow__title)")
    assert_screenshot_shows(page, screenshot_dir / "schedule-phone.png", shown, at_least=2)


def test_desktop_screenshot_of_map_is_saved(browser_session, live_server: str, screenshot_dir: Path) -> None:
    page = browser_session.new_page(viewport=DESKTOP)
    open_map(page, live_server)
    # Every venue's marker (its dot and its name) is in the picture, inside the window.
    pins = page.locator(".venue-pin[data-venue]")
    assert_screenshot_shows(page, screenshot_dir / "map-desktop.png", pins, at_least=len(VENUES))


def test_desktop_map_and_its_attribution_fit_in_the_window(browser_session, live_server: str) -> None:
    page = browser_session.new_page(viewport=DESKTOP)
    open_map(page, live_server)
    attribution = page.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("OpenStreetMap")
    window = {"x": 0, "y": 0, **DESKTOP}
    for what, box in (
        ("map", page.locator(".folium-map").bounding_box()),
        ("attribution", attribution.bounding_box()),
    ):
        assert box_inside(box, window), f"the {what} {box} does not fit in the {DESKTOP} window"


def test_korean_page_lists_the_korean_venue_name(page: Page, live_server: str) -> None:
    open_map(page, live_server, lang="ko")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("section.nownext")).to_contain_text("그래비티")
    expect(page.locator("article.venue-card[data-venue=gravity-pangyo] h2")).to_contain_text("그래비티")


def test_korean_page_interface_text_is_korean(page: Page, live_server: str) -> None:
    open_map(page, live_server, lang="ko")
    heading = page.locator("#nownext-title").text_content()
    assert "Now and next" not in heading, f"English heading on the Korean page: {heading!r}"
