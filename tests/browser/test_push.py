"""Web Push in Chromium: the service worker shows a pushed notice and a tap opens the session page;
the "Notify me of changes" button subscribes for the starred sessions and keeps the server in step.

A push message is delivered with the DevTools protocol (ServiceWorker.deliverPushMessage), which
hands the worker the decrypted payload the way the browser does after RFC 8291 decryption; the
server-side encryption itself is tested against a local push service in tests/push.
"""

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, own_server
from tests.servers import post_change
from webapp.push.sender import payload

SESSION = "medical-data-platform"
NOTICE = "Industrial use of medical data and the Seongnam medical data platform moved to KINS Tower · 7F Meeting Room, 10:00"

# Headless Chromium has no push service to register with (it would be Google's), so PushManager's
# subscribe() is given a subscription of the shape browsers make; everything else is the real page.
FAKE_PUSH_SERVICE = """
(() => {
  const raw = (n, fill) => Uint8Array.from({ length: n }, (_, i) => (i === 0 && n === 65 ? 4 : fill));
  const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const make = (key) => ({
    endpoint: "https://push.example.net/send/browser-test",
    options: { userVisibleOnly: true, applicationServerKey: Uint8Array.from(atob(key), (c) => c.charCodeAt(0)).buffer },
    toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: b64(raw(65, 7)), auth: b64(raw(16, 9)) } }; },
    async unsubscribe() { sessionStorage.removeItem("fake-push-key"); return true; },
  });
  // Kept across page loads, as a browser keeps its subscription.
  PushManager.prototype.subscribe = async function (options) {
    sessionStorage.setItem("fake-push-key", btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey))));
    return make(sessionStorage.getItem("fake-push-key"));
  };
  PushManager.prototype.getSubscription = async function () {
    const key = sessionStorage.getItem("fake-push-key");
    return key ? make(key) : null;
  };
})();
"""


@pytest.fixture(scope="module")
def push_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_server(tmp_path_factory.mktemp("push"), PUSH_SERVICE_HOSTS="push.example.net") as server:
        yield server


def controlled_page(browser_session, base_url: str, path: str) -> Page:
    page = browser_session.new_page(service_workers="allow")
    page.context.grant_permissions(["notifications"], origin=base_url)
    page.goto(f"{base_url}{path}")
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("Boolean(navigator.serviceWorker.controller)"):
        page.reload()  # the first load is not yet controlled by the worker it installed
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")
    return page


def registration_id(context: BrowserContext, page: Page, base_url: str) -> tuple:
    cdp = context.new_cdp_session(page)
    found = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.update({r["scopeURL"]: r["registrationId"] for r in event["registrations"]}),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if f"{base_url}/" in found:
            break
        page.wait_for_timeout(100)
    assert f"{base_url}/" in found, found
    return cdp, found[f"{base_url}/"]


def shown_notifications(page: Page) -> list[dict]:
    return page.evaluate(
        """navigator.serviceWorker.ready.then((r) => r.getNotifications())
           .then((list) => list.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"""
    )


def wait_for_notifications(page: Page, timeout_ms: int = 10_000) -> list[dict]:
    """Return the worker's notifications once there are some (getNotifications is async: poll it)."""
    for _ in range(timeout_ms // 100):
        if shown := shown_notifications(page):
            return shown
        page.wait_for_timeout(100)
    return []


def test_pushed_notice_is_shown_and_a_tap_opens_the_session(browser_session, push_server):
    push_server, _token = push_server
    page = controlled_page(browser_session, push_server, "/agenda?lang=en")
    cdp, reg = registration_id(page.context, page, push_server)
    data = payload("SBIC 2023", NOTICE, f"/sessions/{SESSION}?lang=en", f"session-{SESSION}", 7).decode()
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": push_server, "registrationId": reg, "data": data})
    [shown] = wait_for_notifications(page)
    assert shown == {
        "title": "SBIC 2023",
        "body": NOTICE,
        "tag": f"session-{SESSION}",
        "data": {"url": f"/sessions/{SESSION}?lang=en", "seq": 7},
    }
    # A tap: Chromium dispatches notificationclick in the worker; here the DevTools protocol cannot
    # click, so the worker is handed the same event for the shown notification.
    [worker] = [w for w in page.context.service_workers if w.url.startswith(push_server)]
    worker.evaluate(
        """async () => {
            const [notification] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
        }"""
    )
    page.wait_for_url(f"{push_server}/sessions/{SESSION}?lang=en")
    expect(page.locator("h1")).to_contain_text("Industrial use of medical data")
    assert shown_notifications(page) == []  # the tapped notice is closed


def test_notify_button_subscribes_the_starred_sessions_and_follows_the_stars(browser_session, push_server):
    push_server, _token = push_server
    page = controlled_page(browser_session, push_server, f"/sessions/{SESSION}?lang=en")
    page.add_init_script(FAKE_PUSH_SERVICE)
    page.reload()
    posted = []
    page.on(
        "request",
        lambda r: posted.append((r.method, json.loads(r.post_data or "null"))) if "/push/" in r.url else None,
    )
    page.get_by_role("button", name="Notify me of changes").click()
    expect(page.locator("#push-status")).to_have_text("Notifications are on for your starred session.")
    expect(page.get_by_role("button", name="Stop notifications")).to_be_visible()
    assert (
        posted[-1][0] == "POST" and posted[-1][1]["sessions"] == [SESSION] and posted[-1][1]["lang"] == "en"
    )

    page.goto(f"{push_server}/schedule?lang=en")
    page.locator('button[data-star="dentistry-keynote"]').first.click()
    with page.expect_request(lambda r: r.url.endswith("/push/subscriptions")):
        page.goto(f"{push_server}/agenda?lang=en")  # stars starred elsewhere reach the server here
    expect(page.locator("#push-status")).to_have_text("Notifications are on for 2 starred sessions.")
    assert posted[-1][1]["sessions"] == [SESSION, "dentistry-keynote"]

    with page.expect_request(lambda r: r.url.endswith("/push/subscriptions")):
        page.locator(f'button[data-star="{SESSION}"]').first.click()  # unstar on this page: sent at once
    expect(page.locator("#push-status")).to_have_text("Notifications are on for your starred session.")
    assert posted[-1][1]["sessions"] == ["dentistry-keynote"]

    with page.expect_request(lambda r: r.method == "DELETE"):
        page.get_by_role("button", name="Stop notifications").click()
    expect(page.locator("#push-status")).to_have_text("Notifications are off.")
    assert posted[-1] == ("DELETE", {"endpoint": "https://push.example.net/send/browser-test"})
    expect(page.get_by_role("button", name="Notify me of changes")).to_be_visible()


def test_agenda_offers_notices_and_a_calendar_feed_that_follows_the_stars(
    browser_session, push_server, screenshot_dir
):
    base_url, _token = push_server
    page = browser_session.new_page(viewport=PHONE, service_workers="allow")
    page.goto(f"{base_url}/schedule?lang=en")
    page.locator('button[data-star="medical-data-platform"]').first.click()
    page.locator('button[data-star="kosmi-clinical-ai-validation"]').first.click()
    page.goto(f"{base_url}/agenda?lang=en")
    expect(page.get_by_role("button", name="Notify me of changes")).to_be_visible()
    feed = f"{base_url}/agenda.ics?ids=medical-data-platform,kosmi-clinical-ai-validation&lang=en"
    expect(page.locator("#agenda-feed-url")).to_have_value(feed)
    expect(page.locator("#agenda-webcal")).to_have_attribute("href", feed.replace("http:", "webcal:"))
    page.locator("#push").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "push-agenda-390.png"))
    calendar = page.request.get(feed)
    assert calendar.ok and calendar.text().count("BEGIN:VEVENT") == 2
    page.locator('button[data-star="kosmi-clinical-ai-validation"]').first.click()
    expect(page.locator("#agenda-feed-url")).to_have_value(
        f"{base_url}/agenda.ics?ids=medical-data-platform&lang=en"
    )


def test_full_room_screen_says_where_else_to_go(browser_session, push_server, screenshot_dir):
    base_url, token = push_server
    page = browser_session.new_page(viewport=PHONE, service_workers="allow")
    page.goto(f"{base_url}/rooms/kins-7f-auditorium?lang=en")
    expect(page.locator("#room-open")).to_be_visible()
    expect(page.locator(".alternatives")).to_be_hidden()
    post_change(base_url, token, {"kind": "room_status", "room": "kins-7f-auditorium", "status": "full"})
    expect(page.locator(".alternatives")).to_be_visible()  # shown live, without a reload
    page.reload()
    expect(page.locator(".alternatives__item").first).to_contain_text("min walk")
    page.screenshot(path=str(screenshot_dir / "push-room-full-390.png"), full_page=True)
    post_change(base_url, token, {"kind": "room_status", "room": "kins-7f-auditorium", "status": "open"})
    expect(page.locator(".alternatives")).to_be_hidden()
