// Find the folium map on this page by the name folium gave it, index its venue markers, and keep
// every venue's now/next (in its popup and in the list) current as live changes arrive.

const frame = document.querySelector("[data-map-name]");
const map = frame && window[frame.dataset.mapName];
const stateNode = document.getElementById("venue-state");
const state = stateNode ? JSON.parse(stateNode.textContent) : null;
const live = JSON.parse(document.getElementById("live-data")?.textContent ?? "{}");
const labels = live.labels ?? {};
const loadedAt = Date.now();

/** Return {venueId: marker} for the markers folium added. */
function indexMarkers(leafletMap) {
  const markers = {};
  leafletMap.eachLayer((layer) => {
    const pin = layer.getElement && layer.getElement()?.querySelector("[data-venue]");
    if (pin) markers[pin.dataset.venue] = layer;
  });
  return markers;
}

/** Return the page's "now": fixed for ?at= and EVENT_NOW, moving with the wall clock otherwise. */
function now() {
  const base = new Date(state.now).getTime();
  return state.ticking ? base + (Date.now() - loadedAt) : base;
}

/** Return {now: [...], next: [...]} for one venue ("online" for sessions with no venue). */
function nowNext(venueId) {
  const t = now();
  const day = state.now.slice(0, 10);
  const here = state.sessions.filter((s) => (s.venue_id ?? "online") === venueId);
  const running = here.filter((s) => new Date(s.start).getTime() <= t && t < new Date(s.end).getTime());
  const upcoming = here
    .filter((s) => new Date(s.start).getTime() > t && s.start.slice(0, 10) === day)
    .sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  return { now: running, next: upcoming.slice(0, 2) };
}

/** Build the now/next list of one venue with DOM nodes (text only, never HTML). */
function nowNextList(group) {
  const list = document.createElement("dl");
  list.className = "nn";
  for (const key of ["now", "next"]) {
    const items = group[key];
    if (key === "next" && items.length === 0) continue;
    const dt = document.createElement("dt");
    dt.textContent = labels[key];
    list.append(dt);
    if (items.length === 0) {
      const dd = document.createElement("dd");
      dd.className = "muted";
      dd.textContent = labels.nothing;
      list.append(dd);
    }
    for (const s of items) {
      const dd = document.createElement("dd");
      dd.className = s.status === "cancelled" ? "nn__item is-cancelled" : "nn__item";
      dd.dataset.session = s.id;
      const link = document.createElement("a");
      link.href = s.url;
      link.textContent = s.title;
      const where = document.createElement("span");
      where.className = "muted";
      where.textContent = ` ${s.room} · ${s.time}`;
      dd.append(link, where);
      list.append(dd);
    }
  }
  return list;
}

// Popup contents as elements, filled before they open, so Leaflet pans to the popup's real size.
const popups = [];

/** Give each marker's popup a DOM element built from folium's (server-escaped) HTML. */
function preparePopups(markers) {
  for (const marker of Object.values(markers)) {
    const popup = marker.getPopup();
    if (!popup) continue;
    const element = document.createElement("div");
    element.innerHTML = popup.getContent();
    marker.setPopupContent(element);
    popups.push(popup);
  }
}

function render() {
  const slots = [...document.querySelectorAll("[data-now-next]")];
  for (const popup of popups) slots.push(...popup.getContent().querySelectorAll("[data-now-next]"));
  for (const slot of new Set(slots)) {
    slot.replaceChildren(nowNextList(nowNext(slot.dataset.nowNext)));
  }
  for (const popup of popups) if (popup.isOpen()) popup.update();
}

const hhmm = new Intl.DateTimeFormat("en-GB", { timeZone: live.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** Apply a staff change to the sessions this page knows. */
function applyChange(change) {
  const s = state.sessions.find((item) => item.id === change.session);
  if (!s || !change.after?.start) return;
  const after = change.after;
  Object.assign(s, {
    venue_id: after.venue,
    room_id: after.room,
    venue: after.venue ? live.venues[after.venue] : labels.online,
    room: after.room ? live.rooms[after.room].name : "",
    start: after.start,
    end: after.end,
    time: `${hhmm.format(new Date(after.start))}–${hhmm.format(new Date(after.end))}`,
    status: after.status,
  });
  render();
}

if (map && state) {
  const markers = indexMarkers(map);
  preparePopups(markers);
  render();
  for (const button of document.querySelectorAll(".show-on-map[data-venue]")) {
    button.addEventListener("click", () => {
      const marker = markers[button.dataset.venue];
      if (!marker) return;
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 14));
      marker.openPopup();
      frame.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }
  document.addEventListener("venue-live:change", (event) => applyChange(event.detail));
  if (state.ticking) setInterval(render, 60_000);
  window.venueLive = { map, markers, state };
}
