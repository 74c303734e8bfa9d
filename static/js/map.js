// Find the folium map frame on this page by the name folium gave it, draw its venues (venue-map.js), and
// keep every venue's now/next (in its popup and in the list) current as live changes arrive.

import { now, onTick } from "./clock.js";
import { directionsLine, el } from "./dom.js";
import { timeRange } from "./event-time.js";
import { live, pageData } from "./live-data.js";
import { nowAndNext } from "./now-next.js";
import { fill, pick } from "./text.js";
import { drawVenues, frame, map, mapData } from "./venue-map.js";
import { distanceLabel, walkingMinutes } from "./walk.js";

const state = pageData("venue-state", null);
const labels = live.labels ?? {};

/** Return {now: [...], next: [...]} for one venue ("online" for sessions with no venue). */
const nowNext = (venueId) => nowAndNext(state.sessions.filter((s) => (s.venue_id ?? "online") === venueId), now());

/** Build the now/next list of one venue with DOM nodes (text only, never HTML). */
function nowNextList(group) {
  const list = el("dl", "nn");
  for (const key of ["now", "next"]) {
    const items = group[key];
    if (key === "next" && items.length === 0) continue;
    list.append(el("dt", "", labels[key]));
    if (items.length === 0) list.append(el("dd", "muted", labels.nothing));
    for (const s of items) {
      const dd = el("dd", s.status === "cancelled" ? "nn__item is-cancelled" : "nn__item");
      dd.dataset.session = s.id;
      const link = el("a", "", s.title);
      link.href = s.url;
      dd.append(link, el("span", "muted", ` ${s.room} · ${s.time}`));
      list.append(dd);
    }
  }
  return list;
}

// The venues' popups, whose now/next slots render() fills.
const popups = [];

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
  if (!change.session) return;
  let s = state.sessions.find((item) => item.id === change.session);
  const after = change.after;
  if (!after?.start) return;
  if (!s) {
    // A session this page has not seen (added by staff): it joins the list the same way a load shows it.
    s = { id: change.session, title: pick(change.subject), url: `/sessions/${change.session}` };
    state.sessions.push(s);
  }
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

/** Return the sentence naming the nearest venue, how far it is and how long the walk takes. */
function nearestLine(nearest, locate) {
  const minutes = walkingMinutes(nearest.metres, locate.walk_bands);
  const template = minutes === null ? locate.labels.far : locate.labels.found;
  return fill(template, {
    venue: nearest.name,
    distance: distanceLabel(nearest.metres),
    minutes: minutes ?? locate.walk_bands.length - 1,
  });
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
    const text = el("p", "locate__result", nearestLine(nearest, locate));
    text.dataset.nearest = nearest.id;
    status.replaceChildren(text, directionsLine(nearest.directions, words.directions));
    map.fitBounds(L.latLngBounds([here, [nearest.lat, nearest.lon]]), { padding: [40, 40], maxZoom: 16 });
    for (const [id, marker] of Object.entries(markers)) marker.getElement()?.classList.toggle("is-nearest", id === nearest.id);
  });
  // Denied or no fix: say so plainly; the map and the lists keep working.
  map.on("locationerror", (event) => {
    status.textContent = event.code === 1 ? words.denied : words.unavailable;
  });
}

const markers = map && mapData ? drawVenues(map, mapData) : {};
for (const marker of Object.values(markers)) popups.push(marker.getPopup());

if (map && state) {
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
  onTick(render, 60_000);
  const locateButton = document.getElementById("locate-me");
  if (locateButton && state.locate) setUpLocate(locateButton, state.locate, markers);
  window.venueLive = { map, markers, state };
}
