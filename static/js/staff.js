// Staff console: pick a session, say the change in words, confirm it, post it to /api/changes.
// Every text from the data goes into the page with textContent, never as HTML.

import { el } from "./dom.js";
import { localInput, timeRange, when } from "./event-time.js";
import { matchesAll } from "./search.js";
import { fill, pick as inLanguage, place } from "./text.js";

const data = JSON.parse(document.getElementById("staff-data").textContent);
const { labels: L, words: W, limits: LIMITS } = data;
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const sessions = new Map(data.sessions.map((s) => [s.id, s]));
const rooms = new Map(data.rooms.map((r) => [r.id, r]));
const venues = new Map(data.venues.map((v) => [v.id, v]));
const recentRows = new Map(data.recent.map((row) => [row.seq, row]));
const byId = (id) => document.getElementById(id);
const list = byId("session-list");
const sheet = byId("confirm");
let picked = null;
let pending = null;
let notifyTimer = null;

// --- Words: the same names and times the server uses, in the page's language and the event's zone.

const title = (s) => inLanguage(s.title, data.lang);
const where = (s) => place(s, W.online);
const roomPlace = (room) => place({ venue: room.venue, room: room.id }, W.online);

function statusWords(s) {
  const status = W.status[s.status] ?? s.status;
  return s.status === "cancelled" && s.status_reason ? `${status}: ${s.status_reason}` : status;
}

const stateWords = (s) => [where(s), when(s.start, s.end), statusWords(s), W.stream[s.stream_status]].join(" · ");

/** Turn a datetime-local value into ISO 8601 with the event's offset at that moment. */
function withOffset(value, hint) {
  const base = value.length === 16 ? `${value}:00` : value;
  return `${base}${localInput(Date.parse(`${base}${hint}`)).offset}`;
}

// --- The session list: filter, show state, pick.

function fillRow(s) {
  const li = list.querySelector(`li[data-session="${CSS.escape(s.id)}"]`);
  if (!li) return;
  li.querySelector(".pick__time").textContent = timeRange(s.start, s.end);
  li.querySelector(".pick__where").textContent = where(s);
  const tags = [];
  if (s.status === "cancelled") tags.push(el("span", "tag tag--cancelled", L.cancelled));
  if (s.stream_status !== "scheduled") tags.push(el("span", `tag tag--${s.stream_status}`, W.stream[s.stream_status]));
  li.querySelector(".pick__tags").replaceChildren(...tags);
}

function filterList() {
  const query = byId("session-search").value;
  const venue = byId("session-venue").value;
  const nowOnly = byId("session-now").checked;
  const now = Date.parse(data.now);
  let shown = 0;
  for (const li of list.querySelectorAll("li[data-session]")) {
    const s = sessions.get(li.dataset.session);
    const match =
      // The public search's rules (search.js): any part of a word, Korean without spaces, ä or ae.
      matchesAll([...Object.values(s.title), ...(s.speakers ?? []).flatMap((sp) => Object.values(sp.name)), where(s)], query) &&
      (!venue || s.venue === venue) &&
      (!nowOnly || (Date.parse(s.start) <= now && now < Date.parse(s.end)));
    li.hidden = !match;
    if (match) shown += 1;
  }
  for (const group of list.querySelectorAll("[data-day]")) {
    group.hidden = !group.querySelector("li[data-session]:not([hidden])");
  }
  byId("session-count").textContent = fill(L.count, { n: shown });
}

function pick(id) {
  picked = id;
  for (const li of list.querySelectorAll("li[data-session]")) {
    li.querySelector(".pick").setAttribute("aria-pressed", String(li.dataset.session === id));
  }
  byId("panel").hidden = false;
  renderPanel();
  byId("panel").scrollIntoView({ behavior: "smooth", block: "start" });
}

function renderPanel() {
  const s = sessions.get(picked);
  if (!s) return;
  byId("panel-title").textContent = title(s);
  byId("panel-when").textContent = when(s.start, s.end);
  byId("panel-where").textContent = where(s);
  byId("panel-state").textContent = `${statusWords(s)} · ${W.stream[s.stream_status]}`;
  const move = byId("move-room");
  for (const option of move.options) option.disabled = option.value !== "" && option.value === s.room;
  move.value = "";
  byId("retime-start").value = localInput(s.start).value;
  byId("retime-end").value = localInput(s.end).value;
  for (const button of document.querySelectorAll("[data-stream]")) {
    button.setAttribute("aria-pressed", String(button.dataset.stream === s.stream_status));
  }
  byId("stream-url").value = s.stream_url ?? "";
  const cancelled = s.status === "cancelled";
  byId("cancel-box").hidden = cancelled;
  byId("restore-box").hidden = !cancelled;
  byId("restore-reason").textContent = statusWords(s);
  byId("cancel-reason").value = "";
}

/** Take a session's fresh state (from the API or a 409's `current`) and show it. */
function merge(fresh) {
  const s = sessions.get(fresh.id);
  if (!s) return;
  for (const key of Object.keys(s)) if (key in fresh) s[key] = fresh[key];
  fillRow(s);
  if (picked === s.id) renderPanel();
}

async function refreshSession(id) {
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } });
    if (response.ok) merge(await response.json());
  } catch {
    // The list keeps what it had; a stale version only means the next change is answered with 409.
  }
}

// --- Rooms and the recent-changes list.

function renderRoom(room) {
  const li = byId("rooms").querySelector(`[data-room="${CSS.escape(room.id)}"]`);
  const pill = li.querySelector("[data-room-pill]");
  pill.textContent = W.room[room.status];
  pill.className = `pill pill--${room.status}`;
  li.querySelector("[data-room-toggle]").textContent = room.status === "full" ? L.mark_open : L.mark_full;
}

/** One change of the recent list: a copy of the server's row (templates/staff/_change.html), filled with text. */
function changeItem(row) {
  const li = byId("change-row").content.firstElementChild.cloneNode(true);
  const put = (selector, text) => { li.querySelector(selector).textContent = text; };
  li.dataset.seq = row.seq;
  put(".change__seq", `#${row.seq}`);
  put(".change__kind", row.what);
  put(".change__subject", row.subject);
  put(".diff__before", row.before);
  put(".diff__after", row.after);
  put(".change__by", row.by);
  const time = li.querySelector("time");
  time.textContent = row.at_label;
  time.dateTime = row.at;
  li.querySelector(".change__undo").dataset.undo = row.seq;
  return li;
}

async function loadRecent() {
  try {
    const response = await fetch("/staff/changes.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { changes } = await response.json();
    recentRows.clear();
    for (const row of changes) recentRows.set(row.seq, row);
    const items = changes.map(changeItem);
    byId("recent-list").replaceChildren(...(items.length ? items : [el("li", "muted", L.no_changes)]));
  } catch {
    // Signed out or offline: the next poll tries again.
  }
}

// --- Confirm, send, report.

function notify(message, detail = "", tone = "ok") {
  const box = byId("notify");
  byId("notify-message").textContent = message;
  byId("notify-detail").textContent = detail;
  byId("notify-detail").hidden = !detail;
  box.dataset.tone = tone;
  box.hidden = false;
  clearTimeout(notifyTimer);
  if (tone === "ok") notifyTimer = setTimeout(() => { box.hidden = true; }, 5000);
}

/** One session the change would overlap, in words: its title, when, and where. */
function clashItem(clash) {
  const li = el("li", "clash__item");
  li.append(
    el("strong", "clash__title", title(clash)),
    " ",
    el("span", "clash__when", when(clash.start, clash.end)),
    " · ",
    el("span", "clash__where", where(clash)),
  );
  return li;
}

/** Show the change in words; it is sent only when the user confirms. With clashes, confirming sends it anyway. */
function ask(request, clashes = null) {
  if (sheet.open) return; // a second tap while the sheet is up
  pending = request;
  byId("confirm-title").textContent = request.heading;
  byId("confirm-subject").textContent = request.subject;
  byId("confirm-before").textContent = request.before;
  byId("confirm-after").textContent = request.after;
  byId("confirm-clash").hidden = !clashes;
  byId("confirm-clash-list").replaceChildren(...(clashes ?? []).map(clashItem));
  const go = byId("confirm-go");
  go.textContent = clashes ? L.change_anyway : L.confirm;
  go.classList.toggle("button--danger", Boolean(clashes));
  sheet.returnValue = ""; // closing with Escape keeps the last value
  sheet.showModal();
  go.focus();
}

/** Ask about a change to the picked session, carrying the version the page has of it. */
function askSession(heading, before, after, change) {
  const s = sessions.get(picked);
  ask({ heading, subject: title(s), before, after, payload: { ...change, session: s.id, expected_version: s.version } });
}

async function applied(change) {
  if (change.session) {
    await refreshSession(change.session);
  } else if (change.room && change.announcement === null && change.after?.status) {
    const room = rooms.get(change.room);
    if (room) {
      room.status = change.after.status;
      renderRoom(room);
    }
  }
  await loadRecent();
}

async function send(request) {
  const { payload, onDone } = request;
  notify(L.sending, "", "busy");
  let response;
  try {
    response = await fetch("/api/changes", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(payload),
    });
  } catch {
    notify(L.offline, "", "bad");
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    const undo = payload.kind === "undo";
    notify(fill(undo ? L.undone : L.done, { seq: undo ? payload.seq : body.seq }));
    onDone?.();
    await applied(body);
    return;
  }
  if (response.status === 409 && body.error === "clash" && !payload.allow_clash) {
    // Nothing was changed: show which sessions hold the room then, and ask a second time.
    byId("notify").hidden = true;
    ask({ ...request, payload: { ...payload, allow_clash: true } }, body.clashes ?? []);
    return;
  }
  let detail = "";
  if (response.status === 409) {
    if (body.current) {
      merge(body.current);
      if (sessions.has(body.current.id)) detail = `${L.now_is} ${stateWords(sessions.get(body.current.id))}`;
    } else if (payload.session) {
      await refreshSession(payload.session);
    }
    await loadRecent();
  }
  notify(body.message ?? L.failed, detail, "bad");
}

sheet.addEventListener("close", () => {
  const request = pending;
  pending = null;
  if (request && sheet.returnValue === "confirm") send(request);
});

// --- The actions.

function askDelay(minutes) {
  if (!Number.isInteger(minutes) || minutes === 0 || minutes < LIMITS.delay_min || minutes > LIMITS.delay_max) {
    notify(L.bad_delay, "", "bad");
    return;
  }
  const s = sessions.get(picked);
  const shift = (iso) => new Date(Date.parse(iso) + minutes * 60000).toISOString();
  askSession(fill(L.delay, { n: minutes }), when(s.start, s.end), when(shift(s.start), shift(s.end)), {
    kind: "retime",
    delay_minutes: minutes,
  });
}

function askRetime() {
  const s = sessions.get(picked);
  const [startValue, endValue] = [byId("retime-start").value, byId("retime-end").value];
  if (!startValue || !endValue) {
    notify(L.bad_time, "", "bad");
    return;
  }
  const hint = localInput(s.start).offset;
  const [start, end] = [withOffset(startValue, hint), withOffset(endValue, hint)];
  askSession(L.set_time, when(s.start, s.end), when(start, end), { kind: "retime", start, end });
}

function askMove() {
  const s = sessions.get(picked);
  const room = rooms.get(byId("move-room").value);
  if (!room) {
    notify(L.choose_room, "", "bad");
    return;
  }
  askSession(W.kinds.move, where(s), roomPlace(room), { kind: "move", room: room.id });
}

function askCancel() {
  const s = sessions.get(picked);
  const reason = byId("cancel-reason").value.trim();
  const after = statusWords({ status: "cancelled", status_reason: reason });
  askSession(W.kinds.cancel, statusWords(s), after, reason ? { kind: "cancel", reason } : { kind: "cancel" });
}

function askRestore() {
  const s = sessions.get(picked);
  askSession(W.kinds.restore, statusWords(s), W.status.scheduled, { kind: "restore" });
}

function askStream(status) {
  const s = sessions.get(picked);
  const url = byId("stream-url").value.trim();
  const change = { kind: "stream_status", status };
  let [before, after] = [W.stream[s.stream_status], W.stream[status]];
  if (url && url !== s.stream_url) {
    change.stream_url = url;
    before += ` · ${s.stream_url ?? W.none}`;
    after += ` · ${url}`;
  }
  askSession(W.kinds.stream_status, before, after, change);
}

const ACTIONS = {
  delay: () => askDelay(Number(byId("delay-minutes").value)),
  retime: askRetime,
  move: askMove,
  cancel: askCancel,
  restore: askRestore,
};

byId("panel").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button || !picked) return;
  if (button.dataset.delay) askDelay(Number(button.dataset.delay));
  else if (button.dataset.stream) askStream(button.dataset.stream);
  else if (button.dataset.action) ACTIONS[button.dataset.action]?.();
});

byId("panel-back").addEventListener("click", () => {
  byId("picker").scrollIntoView({ behavior: "smooth", block: "start" });
});

byId("rooms").addEventListener("click", (event) => {
  const button = event.target.closest("[data-room-toggle]");
  if (!button) return;
  const room = rooms.get(button.closest("[data-room]").dataset.room);
  const status = room.status === "full" ? "open" : "full";
  ask({
    heading: W.kinds.room_status,
    subject: roomPlace(room),
    before: W.room[room.status],
    after: W.room[status],
    payload: { kind: "room_status", room: room.id, status },
  });
});

byId("announce-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  // One field per event language: the text in each language written in.
  const written = [...form.querySelectorAll("[data-text]")].map((field) => [field.name, field.value.trim()]);
  const text = Object.fromEntries(written.filter(([, value]) => value));
  if (!Object.keys(text).length) {
    notify(L.no_text, "", "bad");
    return;
  }
  const minutes = Number(form.elements.minutes.value);
  const venue = form.elements.venue.value || null;
  ask({
    heading: W.kinds.announce,
    subject: Object.values(text).join(" / "),
    before: W.none,
    after: fill(L.announce_to, { who: venue ? venues.get(venue).name : W.everyone, n: minutes }),
    payload: { kind: "announce", text, venue, expires_in_minutes: minutes },
    onDone: () => form.reset(),
  });
});

byId("recent-list").addEventListener("click", (event) => {
  const button = event.target.closest("[data-undo]");
  const row = button && recentRows.get(Number(button.dataset.undo));
  if (!row) return;
  ask({
    heading: fill(L.undo, { seq: row.seq }),
    subject: `${row.what} · ${row.subject}`,
    before: row.after,
    after: row.before,
    payload: { kind: "undo", seq: row.seq },
  });
});

list.addEventListener("click", (event) => {
  const li = event.target.closest("li[data-session]");
  if (li) pick(li.dataset.session);
});
for (const id of ["session-search", "session-venue", "session-now"]) {
  byId(id).addEventListener(id === "session-search" ? "input" : "change", () => {
    filterList();
    list.scrollTop = 0;
  });
}
byId("notify-close").addEventListener("click", () => { byId("notify").hidden = true; });

/** Keep the list and the room pills current with everyone's changes, from the page's live connection. */
document.addEventListener("venue-live:change", ({ detail: change }) => {
  const room = change.room && change.session === null && change.announcement === null && rooms.get(change.room);
  if (room && change.after?.status) {
    room.status = change.after.status;
    renderRoom(room);
  }
  // The session shows what is now true (live equals reload); it keeps the version the page has, so an
  // edit made from a stale view is still answered with 409 and the current state.
  if (change.session && change.after?.start) merge({ id: change.session, ...change.after });
  if (!sheet.open) loadRecent();
});

for (const s of sessions.values()) fillRow(s);
filterList();
// Start the list at what is on now: the first session that has not ended at the page's clock.
const firstLive = data.sessions.find((s) => Date.parse(s.end) > Date.parse(data.now));
const firstRow = firstLive && list.querySelector(`li[data-session="${CSS.escape(firstLive.id)}"]`);
if (firstRow) list.scrollTop = firstRow.offsetTop - list.querySelector(".picker__day").offsetHeight;
// A fallback for when the live connection is down.
setInterval(() => {
  if (!document.hidden && !sheet.open) loadRecent();
}, 60000);
