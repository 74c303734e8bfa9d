// The room board of a one-venue event's map page: what is on now and next in each room, redrawn from
// the sessions map.js keeps current (window.venueLive.state) as time passes and changes arrive.
// Same shape as templates/_room_board.html, which draws it before this script runs.

import { now, onTick } from "./clock.js";
import { el } from "./dom.js";
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
      dd.append(link, " ", el("span", "muted", s.time));
      lines.push(el("dt", "", labels[key]), dd);
    }
  }
  if (lines.length === 0) lines.push(el("dd", "muted", labels.nothing_today));
  return lines;
}

function render() {
  const sessions = window.venueLive?.state?.sessions;
  if (!sessions) return;
  for (const slot of document.querySelectorAll("[data-room-now-next]")) {
    const group = nowAndNext(sessions.filter((s) => s.room_id === slot.dataset.roomNowNext), now(), 1);
    slot.replaceChildren(...roomLines(group));
  }
}

// map.js (loaded first) updates the sessions on each change before this listener runs.
document.addEventListener("venue-live:change", render);
onTick(render, 60_000);
render();
