// Live updates: one Socket.IO connection per page. Applies every staff change once, in seq order,
// catches up after sleep or a lost network, and tells the person what changed (toast + aria-live).

import { timeRange } from "./event-time.js";
import { live } from "./live-data.js";
import { starredIds } from "./star.js";
import { fill, pick, place } from "./text.js";

const seqKey = `venue-live:${live.event}:seq`;
const labels = live.labels;
const conn = document.getElementById("conn");

// The page was rendered at live.seq: that is what its content reflects.
let lastSeq = live.seq;
localStorage.setItem(seqKey, String(lastSeq));


function setConnection(state) {
  conn.dataset.state = state;
  conn.textContent = labels[state] ?? state;
}

const same = (a, b, keys) => keys.every((key) => (a?.[key] ?? null) === (b?.[key] ?? null));

/** Return the kind of news an undo brings: what is true now, told like the change that made it so. */
function undoneAs(change) {
  const before = change.before ?? {};
  const after = change.after ?? {};
  if (change.announcement !== null && change.announcement !== undefined) return after.retracted ? "retract" : "announce";
  if (!change.session) return after.status === "full" ? "room_full" : "room_open_again";
  if (!same(before, after, ["status"])) return after.status === "cancelled" ? "cancel" : "restore";
  if (!same(before, after, ["venue", "room"])) return "move";
  if (!same(before, after, ["start", "end"])) return "retime";
  if (!same(before, after, ["stream_status"])) return "stream_status";
  return "undo";
}

/** Return the sentence a person reads for a change, in the page's language: what is true now. */
function describe(change) {
  const title = pick(change.subject);
  const after = change.after ?? {};
  const kind = change.kind === "undo" ? undoneAs(change) : change.kind;
  switch (kind) {
    case "move":
      return fill(labels.move, { title, place: place(after) });
    case "retime":
      return fill(labels.retime, { title, time: timeRange(after.start, after.end) });
    case "cancel":
      return fill(labels.cancel, { title }) + (after.status_reason ? `: ${after.status_reason}` : "");
    case "restore":
      return fill(labels.restore, { title });
    case "add":
      return fill(labels.add, { title, place: place(after), time: timeRange(after.start, after.end) });
    case "room_status":
      return fill(after.status === "full" ? labels.room_full : labels.room_open, { title });
    case "room_full":
    case "room_open_again":
      return fill(labels[kind], { title });
    case "stream_status":
      return fill(labels[`stream_${after.stream_status}`], { title });
    case "announce":
      return `${labels.announce}: ${title}`;
    case "retract":
      return `${labels.retract}: ${title}`;
    case "venues":
      return labels.venues;
    default:
      return fill(labels.undo, { title });
  }
}

// One toast at a time: the newest change, with "+N more" opening the list of the recent ones.
const RECENT = 10;
const recent = [];
let toastTimer = null;

function toast(message, isStarred) {
  const box = document.getElementById("toasts");
  recent.unshift({ message, isStarred });
  recent.length = Math.min(recent.length, RECENT);
  const unseen = box.querySelector(".toast") ? Number(box.dataset.unseen ?? 0) + 1 : 0;
  box.dataset.unseen = String(unseen);
  const item = document.createElement("div");
  item.className = isStarred ? "toast toast--starred" : "toast";
  const text = document.createElement("p");
  text.className = "toast__text";
  text.textContent = isStarred ? `★ ${message}` : message;
  item.append(text);
  if (unseen > 0) {
    const more = document.createElement("button");
    more.type = "button";
    more.className = "toast__more";
    more.textContent = fill(labels.more, { n: unseen });
    more.setAttribute("aria-expanded", "false");
    const list = document.createElement("ol");
    list.className = "toast__recent";
    list.hidden = true;
    for (const older of recent.slice(1, unseen + 1)) {
      const li = document.createElement("li");
      li.textContent = older.isStarred ? `★ ${older.message}` : older.message;
      list.append(li);
    }
    more.addEventListener("click", () => {
      list.hidden = !list.hidden;
      more.setAttribute("aria-expanded", String(!list.hidden));
      clearTimeout(toastTimer); // kept open while it is being read; the close button ends it
    });
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.textContent = "×";
    close.setAttribute("aria-label", labels.dismiss);
    close.addEventListener("click", () => dismiss(box));
    item.append(more, close, list);
  }
  box.replaceChildren(item);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => dismiss(box), 6000);
  // Screen readers hear it once, from one region.
  document.getElementById("live-region").textContent = message;
}

function dismiss(box) {
  box.replaceChildren();
  box.dataset.unseen = "0";
}

function showAnnouncement(item) {
  const list = document.getElementById("announcements");
  list.querySelector(`[data-announcement="${item.id}"]`)?.remove();
  if (item.retracted || new Date(item.expires_at) <= new Date()) return;
  const li = document.createElement("li");
  li.className = "announcement";
  li.dataset.announcement = item.id;
  li.textContent = pick(item.text);
  if (item.venue) {
    const where = document.createElement("span");
    where.className = "muted";
    where.textContent = ` (${live.venues[item.venue]})`;
    li.append(where);
  }
  list.prepend(li);
  setTimeout(() => li.remove(), new Date(item.expires_at) - new Date());
}

/** Update every row and fact on this page that shows the changed session. */
function updateSession(id, state) {
  for (const el of document.querySelectorAll(`[data-session="${CSS.escape(id)}"]`)) {
    const cancelled = state.status === "cancelled";
    el.classList.toggle("srow--cancelled", cancelled);
    el.classList.toggle("is-cancelled", cancelled);
    for (const where of el.querySelectorAll(".srow__where, [data-field=where]")) where.textContent = place(state);
    for (const time of el.querySelectorAll(".srow__time, [data-field=time]")) time.textContent = timeRange(state.start, state.end);
    for (const badge of el.querySelectorAll("[data-field=stream]")) badge.hidden = state.stream_status !== "live";
    for (const link of el.querySelectorAll("a[data-field=stream-link]")) {
      if (state.stream_url?.startsWith("https://")) link.href = state.stream_url;
    }
    for (const status of el.querySelectorAll("[data-field=status]")) {
      status.hidden = !cancelled;
      status.textContent = cancelled ? `${labels.cancelled}${state.status_reason ? `: ${state.status_reason}` : ""}` : "";
    }
    el.classList.remove("is-updated");
    void el.offsetWidth; // restart the highlight
    el.classList.add("is-updated");
  }
}

function apply(change) {
  if (change.announcement !== null && change.after) showAnnouncement(change.after);
  if (change.session && change.after) updateSession(change.session, change.after);
  if (!change.session && change.room && ["open", "full"].includes(change.after?.status)) {
    for (const el of document.querySelectorAll(`[data-room-status="${CSS.escape(change.room)}"]`)) {
      el.dataset.status = change.after.status;
      el.hidden = change.after.status !== "full";
    }
  }
  document.dispatchEvent(new CustomEvent("venue-live:change", { detail: change }));
  toast(describe(change), Boolean(change.session && starredIds().includes(change.session)));
  if (change.kind === "venues") venuesChanged();
}

/** The venues were saved anew (places, names, rooms): load this page again, as it now is. */
function venuesChanged() {
  // Staff pages keep what is being typed in them; the toast has told them.
  if (document.body.classList.contains("staff")) return;
  // Spread over a few seconds, so that every phone does not ask at the same moment.
  setTimeout(() => location.reload(), 1000 + Math.random() * 4000);
}

// Changes are applied once every page script listens for them: the page's module scripts (this one
// among them) have all run when DOMContentLoaded fires; readyState is "interactive" before they run.
const scriptsRan = new Promise((done) => {
  if (document.readyState === "complete") done();
  else document.addEventListener("DOMContentLoaded", done, { once: true });
});

async function connect() {
  const { io } = await import(document.querySelector("script[data-socketio]").dataset.socketio);
  await scriptsRan;
  // Not while offline (a page opened from the cache): it connects when the network is back.
  // batch: what was missed comes as one "changes" message, not one message per change.
  const socket = io({ transports: ["websocket", "polling"], auth: (send) => send({ since: lastSeq, batch: true }), autoConnect: navigator.onLine });
  socket.on("connect", () => setConnection("live"));
  socket.on("disconnect", () => setConnection(navigator.onLine ? "reconnecting" : "offline"));
  socket.io.on("reconnect_attempt", () => setConnection(navigator.onLine ? "reconnecting" : "offline"));
  const receive = (change) => {
    if (change.seq <= lastSeq) return true; // already applied
    if (change.seq > lastSeq + 1) {
      socket.emit("sync", { since: lastSeq }); // a gap: ask for everything after what we have, in order
      return false;
    }
    apply(change);
    lastSeq = change.seq;
    localStorage.setItem(seqKey, String(lastSeq));
    return true;
  };
  socket.on("change", receive);
  socket.on("changes", ({ changes }) => changes.every(receive)); // a catch-up, in seq order
  socket.on("snapshot", (snapshot) => {
    // Too far behind to replay: this page's content is stale, so load it again as it is now.
    localStorage.setItem(seqKey, String(snapshot.seq));
    location.reload();
  });
  // The browser knows before the socket does: close it at once rather than wait for a ping timeout,
  // and reconnect (sending lastSeq, so the server replays what was missed) when the network is back.
  window.addEventListener("offline", () => {
    socket.disconnect();
    setConnection("offline");
  });
  window.addEventListener("online", () => {
    setConnection("reconnecting");
    socket.connect();
  });
  window.venueLiveSocket = socket;
}

setConnection(navigator.onLine ? "reconnecting" : "offline");
connect();
