"""Directions offer the maps apps people use where the event is, each opening at the venue's coordinates."""

from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from webapp.config import _directions_apps
from webapp.web.directions import ELSEWHERE_APPS, KOREA_APPS, directions_apps, directions_links

CCH = SimpleNamespace(short_name=lambda lang: "CCH, Saal 1", lat=53.5621, lon=9.9846)
KINS = SimpleNamespace(short_name=lambda lang: "킨스타워", lat=37.365979, lon=127.1067124)


def links(venue, apps) -> dict[str, str]:
    return {link["app"]: link["url"] for link in directions_links(venue, "en", apps)}


def test_korea_gets_kakao_naver_google_and_elsewhere_osm_google_apple():
    assert directions_apps(None, [(KINS.lat, KINS.lon)]) == KOREA_APPS == ("kakao", "naver", "google")
    assert directions_apps(None, [(CCH.lat, CCH.lon)]) == ELSEWHERE_APPS == ("osm", "google", "apple")
    # one venue abroad is enough to leave the Korean apps out
    assert directions_apps(None, [(KINS.lat, KINS.lon), (CCH.lat, CCH.lon)]) == ELSEWHERE_APPS
    # the event's data (or the setting) choose, in their order
    assert directions_apps(["apple", "osm"], [(KINS.lat, KINS.lon)]) == ("apple", "osm")


def test_each_link_opens_at_the_venue_coordinates():
    urls = links(CCH, ("kakao", "naver", "google", "osm", "apple"))
    google = parse_qs(urlsplit(urls["google"]).query)
    assert google["destination"] == ["53.5621000,9.9846000"] and google["travelmode"] == ["walking"]
    osm = parse_qs(urlsplit(urls["osm"]).query)
    assert osm["route"] == [";53.5621000,9.9846000"] and osm["engine"] == ["fossgis_osrm_foot"]
    assert urlsplit(urls["osm"]).netloc == "www.openstreetmap.org"
    apple = parse_qs(urlsplit(urls["apple"]).query)
    assert apple["daddr"] == ["53.5621000,9.9846000"] and apple["dirflg"] == ["w"]
    assert urlsplit(urls["apple"]).netloc == "maps.apple.com"
    # Kakao and Naver take name, lat, lon in the path (lon first for Naver)
    assert unquote(urlsplit(urls["kakao"]).path).endswith("/CCH, Saal 1,53.5621000,9.9846000")
    assert "/9.9846000,53.5621000," in urlsplit(urls["naver"]).path


def test_an_unknown_app_in_the_setting_stops_start_up_with_a_sentence():
    assert _directions_apps("osm, google") == ["osm", "google"]
    assert _directions_apps("") is None
    with pytest.raises(ValueError, match="'bing' is not one of"):
        _directions_apps("osm,bing")


def test_the_embedded_event_offers_kakao_naver_google(client):
    page = client.get("/venues/kins-tower?lang=en").get_data(as_text=True)
    assert 'data-app="kakao"' in page and 'data-app="naver"' in page and 'data-app="google"' in page
    assert 'data-app="osm"' not in page


def test_an_event_abroad_offers_osm_google_apple_and_the_setting_wins(make_app, event_files):
    def to_hamburg(venues):
        for feature in venues["features"]:
            lon, lat = (
                feature["geometry"]["coordinates"] if feature["geometry"]["type"] == "Point" else (0, 0)
            )
            feature["geometry"] = {
                "type": "Point",
                "coordinates": [9.98 + (lon - 127.1) / 10, 53.56 + (lat - 37.39) / 10],
            }

    venues, program = event_files(edit_venues=to_hamburg)
    app = make_app(VENUES_FILE=str(venues), PROGRAM_FILE=str(program))
    page = app.test_client().get("/venues/kins-tower?lang=en").get_data(as_text=True)
    assert 'data-app="osm"' in page and 'data-app="apple"' in page and 'data-app="google"' in page
    assert 'data-app="kakao"' not in page and "KakaoMap" not in page
    chosen = make_app(VENUES_FILE=str(venues), PROGRAM_FILE=str(program), DIRECTIONS_APPS=["apple"])
    page = chosen.test_client().get("/venues/kins-tower?lang=en").get_data(as_text=True)
    assert 'data-app="apple"' in page and 'data-app="osm"' not in page
