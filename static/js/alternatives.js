// A full room's alternatives (templates/_alternatives.html): what else runs or starts in the same slot
// elsewhere, nearest walk first, with the rule of webapp/program/alternatives.py, drawn from the page's
// data at load and again after each change (a session moved, retimed, cancelled, added; a room full or
// open), and shown while the room is full.

import { now } from "./clock.js";
import { el } from "./dom.js";
import { localDay, timeRange } from "./event-time.js";
import { live, pageData } from "./live-data.js";
import { byStart } from "./now-next.js";
import { fill, pick, place } from "./text.js";

const data = pageData("alternatives-data", null);
const ms = (iso) => Date.parse(iso);

/** Return the session the room is full for: the page's session, else the room's current or next today. */
function slot() {
  if (data.session) return data.sessions.find((s) => s.id === data.session) ?? null;
  const t = now();
  const today = localDay(t);
  const open = data.sessions
    .filter((s) => s.room === data.room && s.status !== "cancelled" && localDay(s.start) === today)
    .sort(byStart);
  return open.find((s) => ms(s.start) <= t && t < ms(s.end)) ?? open.find((s) => ms(s.start) > t) ?? null;
}

/** Return the alternatives to full: elsewhere, overlapping its slot from now on, nearest walk first. */
function options(full) {
  const from = full?.room && live.rooms[full.room]?.venue;
  if (!from) return [];
  const start = Math.max(now(), ms(full.start));
  const end = ms(full.end);
  return data.sessions
    .filter((s) => s.id !== full.id && s.room !== full.room && s.venue && s.status !== "cancelled")
    .filter((s) => !(s.room && data.rooms[s.room] === "full") && ms(s.start) < end && ms(s.end) > start)
    .map((s) => ({ s, walk: data.walks[from]?.[s.venue] ?? { walking_minutes: 0, approximate: false } }))
    .sort((a, b) => a.walk.walking_minutes - b.walk.walking_minutes || ms(a.s.start) - ms(b.s.start) || (a.s.id < b.s.id ? -1 : 1))
    .slice(0, data.limit);
}

function walkText({ walking_minutes: minutes, approximate }) {
  if (minutes === 0) return data.labels.same;
  return fill(approximate ? data.labels.about : data.labels.walk, { num: minutes });
}

function item({ s, walk }) {
  const li = el("li", "alternatives__item");
  li.dataset.session = s.id;
  const link = el("a", "", s.title);
  link.href = s.url;
  const meta = el("span", "alternatives__meta muted", `${place(s)} · ${timeRange(s.start, s.end)} · `);
  meta.append(el("span", "alternatives__walk", walkText(walk)));
  li.append(link, " ", meta);
  return li;
}

function render() {
  const full = slot();
  const room = data.session ? full?.room : data.room;
  const found = options(full);
  for (const box of document.querySelectorAll("[data-alternatives-room]")) {
    box.dataset.alternativesRoom = room ?? "";
    box.querySelector(".alternatives__list").replaceChildren(...found.map(item));
    box.hidden = !room || data.rooms[room] !== "full" || found.length === 0;
  }
}

/** Keep the day's sessions and the rooms' states as the change says they now are. */
function apply(change) {
  const after = change.after ?? {};
  if (change.session && after.start) {
    let s = data.sessions.find((item) => item.id === change.session);
    if (!s) {
      s = { id: change.session, title: pick(change.subject), url: `/sessions/${encodeURIComponent(change.session)}` };
      data.sessions.push(s);
    }
    Object.assign(s, { start: after.start, end: after.end, venue: after.venue, room: after.room, status: after.status });
  } else if (!change.session && change.room && ["open", "full"].includes(after.status)) {
    data.rooms[change.room] = after.status;
  }
  render();
}

if (data) {
  document.addEventListener("venue-live:change", (event) => apply(event.detail));
  render();
}
