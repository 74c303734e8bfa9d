"""A 1,000-session, 70-room congress in one venue (bench/big_event.py's generator): `/` leads with each
room's now and next, and the venue page shows one day in hour blocks, without a travel section."""

import lxml.html
import pytest

from bench.big_event import EVENT_NOW, write_event

DAY = EVENT_NOW[:10]  # the second day, 14:00


def html(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def by_class(tree, name: str) -> list:
    return tree.xpath(f'//*[contains(concat(" ", normalize-space(@class), " "), " {name} ")]')


@pytest.fixture
def congress(make_app, tmp_path):
    """A test client for the generated congress, at 14:00 on its second day."""
    venues_file, program_file = write_event(tmp_path / "big", venues=1)
    app = make_app(VENUES_FILE=str(venues_file), PROGRAM_FILE=str(program_file), EVENT_NOW=EVENT_NOW)
    return app.test_client()


def test_one_venue_map_page_leads_with_what_is_on_in_each_room(congress):
    page = html(congress.get("/?lang=en"))
    rooms = by_class(page, "roomboard__room")
    assert len(rooms) == 70
    assert page.xpath("//*[@data-now-next]") == []  # no venue-wide list of every session on now
    first = rooms[0]
    assert first.xpath(".//a[@class='roomboard__name']/@href") == ["/rooms/saal-01"]
    lines = [" ".join(dt.text_content().split()) for dt in first.xpath(".//dt")]
    assert lines and set(lines) <= {"Now", "Next"}
    assert any("Now" in [dt.text_content() for dt in room.xpath(".//dt")] for room in rooms)
    assert "page-map--one-venue" in page.xpath("//body/@class")[0]


def test_venue_page_shows_one_day_folded_like_the_schedule_and_no_travel(congress):
    venue = html(congress.get("/venues/cch?lang=en"))
    schedule = html(congress.get(f"/schedule?day={DAY}&lang=en"))
    shown = venue.xpath("//*[@id='schedule-list']//li/@data-session")
    assert shown and shown == schedule.xpath("//*[@id='schedule-list']//li/@data-session")
    hours = venue.xpath("//*[@id='schedule-list']/details")
    assert [h.get("open") is not None for h in hours if "hour--past" in h.get("class")] == [False] * 4
    assert venue.xpath("//details[@id='now'][@open]")
    assert "Getting to the other venues" not in venue.text_content()
    assert len(by_class(venue, "roomboard__room")) == 70
    other_day = html(congress.get("/venues/cch?day=2026-12-29&lang=en"))
    assert set(other_day.xpath("//*[@id='schedule-list']//li/@data-session")).isdisjoint(shown)


def test_venue_page_with_other_venues_keeps_the_travel_section(client):
    page = html(client.get("/venues/kins-tower?lang=en"))
    assert "Getting to the other venues" in page.text_content()
    assert page.xpath("//tbody[@data-travel-to]")


def test_venue_page_refuses_a_day_outside_the_event(client):
    response = client.get("/venues/kins-tower?day=2020-01-01")
    assert response.status_code == 400
