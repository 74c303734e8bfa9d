// The venues on the folium map frame: each venue's marker (a dot and its short name), the circle an
// approximate position lies within, and its popup, drawn from the page's map data (JSON), never from
// HTML or a template. The same functions draw them at load and again when the data changes.

import { directionsLine, el } from "./dom.js";
import { pageData } from "./live-data.js";

export const mapData = pageData("map-data", null);
export const frame = document.querySelector("[data-map-name]");
export const map = frame && window[frame.dataset.mapName];

// Keep a popup clear of the zoom buttons at the top left.
const POPUP_OPTIONS = { maxWidth: 272, autoPanPaddingTopLeft: [48, 12], autoPanPaddingBottomRight: [12, 12] };
const CIRCLE_OPTIONS = { color: "#9a3412", weight: 2, dashArray: "6 6", fill: true, fillOpacity: 0.08, interactive: false };

/** Return a marker's label: a dot and the venue's short name, as text. */
export function pinElement(venue) {
  const pin = el("span", venue.approximate ? "venue-pin venue-pin--approximate" : "venue-pin");
  pin.dataset.venue = venue.id;
  pin.setAttribute("role", "img");
  pin.setAttribute("aria-label", venue.name);
  pin.append(el("span", "venue-pin__dot"), el("span", "venue-pin__label", venue.short_name));
  return pin;
}

/** Return a venue's popup: name, address, how sure its position is, station, directions, rooms. */
export function popupElement(venue, labels) {
  const box = el("div", "popup");
  box.dataset.venue = venue.id;
  const title = el("h3", "popup__title");
  const link = el("a", "", venue.name);
  link.href = venue.url;
  title.append(link);
  box.append(title, el("p", "popup__address", venue.address));
  if (venue.approx_note) box.append(el("p", "popup__approx", venue.approx_note));
  if (venue.station) box.append(el("p", "popup__station", venue.station));
  box.append(directionsLine(venue.directions, labels.directions));
  const nowNext = el("div", "popup__nownext");
  nowNext.dataset.nowNext = venue.id;
  const rooms = el("details", "popup__rooms");
  const list = el("ul");
  for (const room of venue.rooms) {
    const item = el("li", "", `${room.name} `);
    item.dataset.room = room.id;
    item.append(el("span", "muted", room.floor));
    list.append(item);
  }
  rooms.append(el("summary", "", `${labels.rooms} (${venue.rooms.length})`), list);
  box.append(nowNext, rooms);
  return box;
}

/** Draw every venue of data on leafletMap; return {venueId: marker}. */
export function drawVenues(leafletMap, data) {
  const markers = {};
  for (const venue of data.venues) {
    const at = [venue.lat, venue.lon];
    if (venue.approximate) L.circle(at, { ...CIRCLE_OPTIONS, radius: venue.accuracy_m }).addTo(leafletMap);
    markers[venue.id] = L.marker(at, {
      icon: L.divIcon({ html: pinElement(venue), className: "venue-marker", iconSize: null }),
      title: venue.name,
      alt: venue.name,
      keyboard: true,
      riseOnHover: true,
    })
      .bindPopup(popupElement(venue, data.labels), POPUP_OPTIONS)
      .addTo(leafletMap);
  }
  return markers;
}
