"""What the export tests share: a staff change without publishing, the c3voc schemas, parsed exports."""

import pytest
from icalendar import Calendar
from lxml import etree

from tests.conftest import ROOT
from webapp.live.changes import apply_change

SCHEMAS = ROOT / "tests" / "data" / "schemas"
SESSION_COUNT = 50
ONLINE_ONLY = "kosmi-online-terminology"


@pytest.fixture
def change(app, monkeypatch):
    """Return a callable applying one staff change as 't' (publishing nothing)."""
    monkeypatch.setattr("webapp.live.changes.socketio.emit", lambda *args, **kwargs: None)

    def _apply(**data):
        with app.app_context():
            return apply_change(data, by="t").to_dict()

    return _apply


@pytest.fixture
def schemas():
    """Return the folder of the c3voc schemas kept in tests/data (EUPL 1.2, see its README)."""
    return SCHEMAS


def calendar(client, url="/schedule.ics"):
    response = client.get(url)
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def vevents(client, url="/schedule.ics"):
    return {str(e["UID"]).split("@")[0]: e for e in calendar(client, url).walk("VEVENT")}


def xml_events(client, url="/schedule.xml?lang=en"):
    """Return {session id: (room name, event element)} from the schedule XML."""
    root = etree.fromstring(client.get(url).data)
    return {
        e.findtext("url").rsplit("/", 1)[1]: (room.get("name"), e)
        for room in root.iter("room")
        for e in room.iter("event")
    }


def json_events(client, url="/schedule.json?lang=en"):
    """Return {session id: event} from the schedule JSON."""
    days = client.get(url).get_json()["schedule"]["conference"]["days"]
    return {e["url"].rsplit("/", 1)[1]: e for day in days for events in day["rooms"].values() for e in events}
