"""Venues saved on /staff/venues through one process are served by the other two, and their pages hear of it."""

import json
import re
import time
import uuid

import requests

from tests.cluster.conftest import PASSWORD
from tests.cluster.test_cluster import Listener, app_url
from tests.servers import run_flask

ROOM, TO, SESSION = "kins-7f-auditorium", "gravity-pangyo", "medical-data-platform"


def organiser_session(cluster, base: str) -> tuple[requests.Session, str]:
    """Sign a new organiser in at base; return the session and the CSRF token of /staff/venues."""
    name = f"organiser-{uuid.uuid4().hex[:8]}"
    run_flask(
        ["staff", "create", name, "--role", "organiser"],
        {"DATABASE_URL": cluster.database_url},
        stdin=PASSWORD,
    )
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    signed = http.post(
        f"{base}/login", data={"name": name, "password": PASSWORD.strip(), "csrf_token": token}, timeout=10
    )
    assert signed.ok and signed.url.endswith("/staff/")
    return http, token


def test_a_save_on_process_a_is_served_by_b_and_c_and_pages_hear_of_it(cluster):
    a = app_url(cluster, 0)
    http, _ = organiser_session(cluster, a)
    page = http.get(f"{a}/staff/venues/", timeout=10).text
    data = json.loads(re.search(r'id="venues-data">(.*?)</script>', page, re.S).group(1))
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    for venue in data["venues"]:
        venue["rooms"] = [r for r in venue["rooms"] if r != ROOM] + ([ROOM] if venue["id"] == TO else [])
    edits = {"base": data["version"], "venues": data["venues"]}
    head = requests.get(f"{a}/api/changes?since=0&limit=1", timeout=10).json()["seq"]
    listener = Listener(app_url(cluster, 2), since=head)
    try:
        saved = http.post(f"{a}/staff/venues/", json=edits, headers={"X-CSRFToken": csrf}, timeout=30)
        assert saved.status_code == 200, saved.text
        saved_at = time.monotonic()
        # An open page on process C is sent the change (and reloads itself on it).
        assert listener.wait_for(head + 1, timeout=5)
        assert [c["kind"] for c in listener.changes] == ["venues"]
    finally:
        listener.close()
    for index in (1, 2):
        deadline = saved_at + 2
        while True:
            venues = requests.get(f"{app_url(cluster, index)}/api/venues", timeout=10).json()["features"]
            gravity = next(f for f in venues if f["id"] == TO)
            session = requests.get(f"{app_url(cluster, index)}/sessions/{SESSION}?lang=en", timeout=10).text
            if ROOM in [r["id"] for r in gravity["properties"]["rooms"]] and "Gravity" in session:
                break
            assert time.monotonic() < deadline, f"process {index} still serves the old venues"
            time.sleep(0.1)
