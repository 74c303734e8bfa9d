// The session page's place: venue, room and floor, address, directions and the small map's view,
// drawn from the session's venue and room and the page's venue data, at load and after each change.

import { directionsLine, el } from "./dom.js";
import { pageData } from "./live-data.js";
import { frame, map } from "./venue-map.js";

const state = pageData("session-state", null);

/** Draw the "Where" facts of the session (its venue, room, floor, address, directions). */
function renderWhere() {
  const slot = document.querySelector("[data-session-where]");
  const venue = state.venues[state.venue];
  if (!slot) return;
  if (!venue) {
    slot.replaceChildren(state.labels.online_only);
    return;
  }
  const line = el("span");
  const link = el("a", "", venue.name);
  link.href = venue.url;
  line.append(link);
  const room = venue.rooms.find((r) => r.id === state.room);
  if (room) line.append(room.floor ? ` · ${room.name} (${room.floor})` : ` · ${room.name}`);
  slot.replaceChildren(line, el("br"), el("span", "muted", venue.address), directionsLine(venue.directions, state.labels.directions));
}

/** Centre the small map on the session's venue. */
function renderMap() {
  const venue = state.venues[state.venue];
  if (!map || !venue) return;
  frame.dataset.focus = venue.id;
  map.setView([venue.lat, venue.lon], 15, { animate: false });
}

function render() {
  renderWhere();
  renderMap();
}

if (state) {
  document.addEventListener("venue-live:change", ({ detail: change }) => {
    if (change.session !== state.session || !change.after?.start) return;
    state.venue = change.after.venue;
    state.room = change.after.room;
    render();
  });
  render();
}
