// The room board: what is on now and next in each room ([data-room-now-next], drawn first by
// templates/_room_board.html), redrawn from a list of sessions as time passes and changes arrive.
// A one-venue event's map page draws it from the sessions map.js keeps current (window.venueLive);
// a venue page from the sessions rows.js keeps (renderBoard).

import { now, onTick } from "./clock.js";
import { el } from "./dom.js";
import { timeRange } from "./event-time.js";
import { live } from "./live-data.js";
import { nowAndNext } from "./now-next.js";

const labels = live.labels ?? {};

/** Return the <dt>/<dd> pairs of one room: every session on now, then the next one today. */
function roomLines(group) {
  const lines = [];
  for (const key of ["now", "next"]) {
    for (const s of group[key]) {
      const dd = el("dd", s.status === "cancelled" ? "nn__item is-cancelled" : "nn__item");
      dd.dataset.session = s.id;
      const link = el("a", "", s.title);
      link.href = s.url;
      dd.append(link, " ", el("span", "muted", timeRange(s.start, s.end)));
      lines.push(el("dt", "", labels[key]), dd);
    }
  }
  if (lines.length === 0) lines.push(el("dd", "muted", labels.nothing_today));
  return lines;
}

/** Draw each room's now and next from sessions (each with room_id, start, end, title, url, status). */
export function renderBoard(sessions) {
  for (const slot of document.querySelectorAll("[data-room-now-next]")) {
    const group = nowAndNext(sessions.filter((s) => s.room_id === slot.dataset.roomNowNext), now(), 1);
    slot.replaceChildren(...roomLines(group));
  }
}

if (document.getElementById("venue-state")) {
  const render = () => window.venueLive?.state?.sessions && renderBoard(window.venueLive.state.sessions);
  // map.js (loaded first) updates the sessions on each change before this listener runs.
  document.addEventListener("venue-live:change", render);
  onTick(render, 60_000);
  render();
}
