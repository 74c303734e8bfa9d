// Find the folium map on this page by the name folium gave it, index its venue markers, and keep
// every venue's now/next (in its popup and in the list) current as live changes arrive.

import { live, localDay, timeRange } from "./event-time.js";

const frame = document.querySelector("[data-map-name]");
const map = frame && window[frame.dataset.mapName];
const stateNode = document.getElementById("venue-state");
const state = stateNode ? JSON.parse(stateNode.textContent) : null;
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
  const day = localDay(state.now);
  const here = state.sessions.filter((s) => (s.venue_id ?? "online") === venueId);
  const running = here.filter((s) => new Date(s.start).getTime() <= t && t < new Date(s.end).getTime());
  const upcoming = here
    .filter((s) => new Date(s.start).getTime() > t && localDay(s.start) === day)
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
    time: timeRange(after.start, after.end),
    status: after.status,
  });
  render();
}

// --- Locate me -----------------------------------------------------------------------------------

const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
const distanceLabel = (m) => (m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(1)} km`);

/** Return the walk for a straight line, with the server's method (webapp/travel.py): rounded up. */
function walkingMinutes(straightM, method) {
  const metresPerMinute = (method.speed_kmh * 1000) / 60;
  return Math.ceil((straightM * method.detour_factor) / metresPerMinute - 1e-9);
}

/** Wire the locate button: a marker where the visitor is, the nearest venue, how far and how long. */
function setUpLocate(button, locate, markers) {
  const status = document.getElementById("locate-status");
  const words = locate.labels;
  let you = null;
  button.addEventListener("click", () => {
    status.textContent = words.finding;
    map.locate({ setView: false, enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  map.on("locationfound", (event) => {
    const here = event.latlng;
    // map.distance is a great-circle distance: within a few metres of geopy's geodesic at this scale.
    const nearest = locate.venues
      .map((v) => ({ ...v, metres: map.distance(here, [v.lat, v.lon]) }))
      .sort((a, b) => a.metres - b.metres)[0];
    if (you) you.remove();
    you = L.layerGroup([
      L.circle(here, { radius: event.accuracy, weight: 1, color: "#0b5cad", fillOpacity: 0.08, interactive: false }),
      L.circleMarker(here, { radius: 8, weight: 3, color: "#ffffff", fillColor: "#d1242f", fillOpacity: 1, className: "you-are-here" })
        .bindTooltip(words.you),
    ]).addTo(map);
    const line = fill(words.found, {
      venue: nearest.name,
      distance: distanceLabel(nearest.metres),
      minutes: walkingMinutes(nearest.metres, locate.method),
    });
    const text = document.createElement("p");
    text.className = "locate__result";
    text.dataset.nearest = nearest.id;
    text.textContent = line;
    const links = document.createElement("p");
    links.className = "directions";
    const label = document.createElement("span");
    label.className = "directions__label";
    label.textContent = words.directions;
    links.append(label, " ");
    for (const link of nearest.directions) {
      const a = document.createElement("a");
      a.href = link.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.dataset.app = link.app;
      a.textContent = link.label;
      links.append(a, " ");
    }
    status.replaceChildren(text, links);
    map.fitBounds(L.latLngBounds([here, [nearest.lat, nearest.lon]]), { padding: [40, 40], maxZoom: 16 });
    for (const [id, marker] of Object.entries(markers)) marker.getElement()?.classList.toggle("is-nearest", id === nearest.id);
  });
  // Denied or no fix: say so plainly; the map and the lists keep working.
  map.on("locationerror", (event) => {
    status.textContent = event.code === 1 ? words.denied : words.unavailable;
  });
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
  const locateButton = document.getElementById("locate-me");
  if (locateButton && state.locate) setUpLocate(locateButton, state.locate, markers);
  window.venueLive = { map, markers, state };
}
