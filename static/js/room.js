// The room screen: keeps this room's sessions, recomputes "now" and "next" when staff change one
// (or move one in or out) and as time passes, and shows whether the room is full.

import { hhmm, live, localDay, timeRange } from "./event-time.js";

const state = JSON.parse(document.getElementById("room-state").textContent);
const labels = state.labels;
const loadedAt = Date.now();

/** Return the page's "now" in ms: fixed for ?at= and EVENT_NOW, moving with the wall clock otherwise. */
function now() {
  const base = new Date(state.now).getTime();
  return state.ticking ? base + (Date.now() - loadedAt) : base;
}

const startMs = (s) => new Date(s.start).getTime();

/** Return {now, next} for this room at t, as the server's now_and_next does. */
function nowNext(t) {
  const today = localDay(t);
  const running = state.sessions.filter((s) => startMs(s) <= t && t < new Date(s.end).getTime());
  const upcoming = state.sessions
    .filter((s) => startMs(s) > t && localDay(startMs(s)) === today)
    .sort((a, b) => startMs(a) - startMs(b) || a.id.localeCompare(b.id));
  return { now: running, next: upcoming.slice(0, 2) };
}

/** Build one session's row with DOM nodes (text only, never HTML). */
function item(s) {
  const li = document.createElement("li");
  li.className = s.status === "cancelled" ? "ritem is-cancelled" : "ritem";
  li.dataset.session = s.id;
  const time = document.createElement("span");
  time.className = "ritem__time";
  time.dataset.field = "time";
  time.textContent = s.time;
  const title = document.createElement("a");
  title.className = "ritem__title";
  title.href = s.url;
  title.textContent = s.title;
  const status = document.createElement("span");
  status.className = "tag tag--cancelled ritem__status";
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
  const groups = nowNext(t);
  renderList("now", groups.now);
  renderList("next", groups.next);
  const clock = document.getElementById("room-clock");
  clock.textContent = hhmm(t);
  clock.dateTime = new Date(t).toISOString();
}

/** Show the room's full/open state (live.js also toggles [data-room-status]; this keeps both in step). */
function renderStatus() {
  for (const el of document.querySelectorAll(`[data-room-status="${CSS.escape(state.room)}"]`)) {
    el.dataset.status = state.status;
    el.hidden = state.status !== "full";
  }
  document.getElementById("room-open").hidden = state.status === "full";
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
        title: s.title ?? change.subject?.[live.lang] ?? "",
        start: after.start,
        end: after.end,
        time: timeRange(after.start, after.end),
        status: after.status,
        status_reason: after.status_reason,
        stream_status: after.stream_status,
      });
      if (!known) state.sessions.push(s);
    }
    render();
  } else if (!change.session && change.room === state.room && ["open", "full"].includes(after.status)) {
    state.status = after.status;
  }
  renderStatus(); // also undoes live.js hiding the banner for a session change that names this room
}

document.addEventListener("venue-live:change", (event) => applyChange(event.detail));
render();
if (state.ticking) setInterval(render, 30_000);
window.venueRoom = { state, render };
