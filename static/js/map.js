// Find the folium map on this page by the name folium gave it, index its venue markers,
// and fill each venue's popup with what is on now and next.

const frame = document.querySelector("[data-map-name]");
const map = frame && window[frame.dataset.mapName];
const stateNode = document.getElementById("venue-state");
const state = stateNode ? JSON.parse(stateNode.textContent) : { sessions: {}, labels: {} };

/** Return {venueId: marker} for the markers folium added. */
function indexMarkers(leafletMap) {
  const markers = {};
  leafletMap.eachLayer((layer) => {
    const pin = layer.getElement && layer.getElement()?.querySelector("[data-venue]");
    if (pin) markers[pin.dataset.venue] = layer;
  });
  return markers;
}

/** Build the now/next list of one venue with DOM nodes (text only, never HTML). */
function nowNextList(group) {
  const list = document.createElement("dl");
  list.className = "nn";
  for (const key of ["now", "next"]) {
    const items = group?.[key] ?? [];
    if (key === "next" && items.length === 0) continue;
    const dt = document.createElement("dt");
    dt.textContent = state.labels[key];
    list.append(dt);
    if (items.length === 0) {
      const dd = document.createElement("dd");
      dd.className = "muted";
      dd.textContent = state.labels.nothing;
      list.append(dd);
    }
    for (const s of items) {
      const dd = document.createElement("dd");
      dd.className = s.status === "cancelled" ? "nn__item is-cancelled" : "nn__item";
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

if (map) {
  const markers = indexMarkers(map);
  map.on("popupopen", (event) => {
    const slot = event.popup.getElement()?.querySelector("[data-now-next]");
    if (slot) slot.replaceChildren(nowNextList(state.sessions[slot.dataset.nowNext]));
  });
  for (const button of document.querySelectorAll(".show-on-map[data-venue]")) {
    button.addEventListener("click", () => {
      const marker = markers[button.dataset.venue];
      if (!marker) return;
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 14));
      marker.openPopup();
      frame.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }
  window.venueLive = { map, markers, state };
}
