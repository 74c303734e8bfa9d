// The room screen: keeps this room's sessions, recomputes "now" and "next" when staff change one
// (or move one in or out) and as time passes, and shows whether the room is full.

import { now, onTick } from "./clock.js";
import { el } from "./dom.js";
import { hhmm, localDay, timeRange } from "./event-time.js";
import { pageData } from "./live-data.js";
import { byStart, nowAndNext } from "./now-next.js";
import { pick } from "./text.js";

const state = pageData("room-state");
const labels = state.labels;

/** Build one session's row with DOM nodes (text only, never HTML). */
function item(s) {
  const li = el("li", s.status === "cancelled" ? "ritem is-cancelled" : "ritem");
  li.dataset.session = s.id;
  const time = el("span", "ritem__time", s.time);
  time.dataset.field = "time";
  const title = el("a", "ritem__title", s.title);
  title.href = s.url;
  const status = el("span", "tag tag--cancelled ritem__status");
  status.dataset.field = "status";
  status.hidden = s.status !== "cancelled";
  if (!status.hidden) status.textContent = labels.cancelled + (s.status_reason ? `: ${s.status_reason}` : "");
  li.append(time, title, status);
  return li;
}

function renderList(key, sessions) {
  document.getElementById(`room-${key}`).replaceChildren(...sessions.map(item));
  document.getElementById(`room-${key}-empty`).hidden = sessions.length > 0;
}

function render() {
  const t = now();
  const groups = nowAndNext(state.sessions, t);
  renderList("now", groups.now);
  renderList("next", groups.next);
  const clock = document.getElementById("room-clock");
  clock.textContent = hhmm(t);
  clock.dateTime = new Date(t).toISOString();
}

/** Show the room's full/open state (socket.js also toggles [data-room-status]; this keeps both in step). */
function renderStatus() {
  for (const banner of document.querySelectorAll(`[data-room-status="${CSS.escape(state.room)}"]`)) {
    banner.dataset.status = state.status;
    banner.hidden = state.status !== "full";
  }
  document.getElementById("room-open").hidden = state.status === "full";
  // "Please watch online" only when the session the room is full for has a stream (as the server's slot_session).
  const slot = slotSession();
  const streamed = Boolean(slot?.stream_url);
  for (const text of document.querySelectorAll("[data-full-text]")) text.hidden = (text.dataset.fullText === "stream") !== streamed;
}

/** Return the room's session running now, else its next one today (cancelled ones left out), as slot_session. */
function slotSession() {
  const t = now();
  const today = localDay(t);
  const open = state.sessions.filter((s) => s.status !== "cancelled" && localDay(s.start) === today).sort(byStart);
  return open.find((s) => Date.parse(s.start) <= t && t < Date.parse(s.end)) ?? open.find((s) => Date.parse(s.start) > t) ?? null;
}

/** Apply a staff change: a session here changed, arrived or left; or the room filled up or opened. */
function applyChange(change) {
  const after = change.after ?? {};
  if (change.session && after.start) {
    const index = state.sessions.findIndex((s) => s.id === change.session);
    const known = state.sessions[index];
    if (after.room !== state.room) {
      if (known) state.sessions.splice(index, 1);
    } else {
      const s = known ?? { id: change.session, url: `/sessions/${encodeURIComponent(change.session)}` };
      Object.assign(s, {
        title: s.title ?? pick(change.subject),
        start: after.start,
        end: after.end,
        time: timeRange(after.start, after.end),
        status: after.status,
        status_reason: after.status_reason,
        stream_status: after.stream_status,
        stream_url: after.stream_url,
      });
      if (!known) state.sessions.push(s);
    }
    render();
  } else if (!change.session && change.room === state.room && ["open", "full"].includes(after.status)) {
    state.status = after.status;
  }
  renderStatus(); // also undoes socket.js hiding the banner for a session change that names this room
}

document.addEventListener("venue-live:change", (event) => applyChange(event.detail));
render();
renderStatus();
onTick(render, 30_000);
window.venueRoom = { state, render };
