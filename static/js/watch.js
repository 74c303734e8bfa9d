// /live: keeps every watchable session in the right group (live now, on now, next) as staff change
// its stream or its time and as time passes; embeds a YouTube player only when the person asks.

import { now, onTick } from "./clock.js";
import { pageData } from "./live-data.js";
import { byStart, nowAndNext } from "./now-next.js";
import { fill } from "./text.js";

const state = pageData("watch-state");
const labels = state.labels;
const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set(["youtube.com", "www.youtube.com", "m.youtube.com"]);
const GROUPS = ["live", "on_now", "next"];

/** Return the YouTube video id of a watch/short link, or null for any other link. */
export function youtubeId(link) {
  let url;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  let id = null;
  if (url.hostname === "youtu.be") id = url.pathname.slice(1);
  else if (YOUTUBE_HOSTS.has(url.hostname)) {
    if (url.pathname === "/watch") id = url.searchParams.get("v");
    else id = url.pathname.match(/^\/(?:live|embed)\/([^/]+)$/)?.[1] ?? null;
  }
  return id && YOUTUBE_ID.test(id) ? id : null;
}

/** Return {live, on_now, next, rest}: the same split as the server's stream_groups. */
function groups(t) {
  const sorted = [...state.sessions].sort(byStart);
  const live = sorted.filter((s) => s.stream_status === "live");
  const split = nowAndNext(sorted.filter((s) => s.stream_status !== "live"), t, state.next_limit);
  const shown = new Set([...live, ...split.now, ...split.next]);
  return { live, on_now: split.now, next: split.next, rest: sorted.filter((s) => !shown.has(s)) };
}

const cardOf = (id) => document.querySelector(`.wcard[data-session="${CSS.escape(id)}"]`);

/** Show a session's stream state and link on its card. */
function renderCard(s) {
  const card = cardOf(s.id);
  card.dataset.stream = s.stream_status;
  const badge = card.querySelector("[data-field=stream]");
  badge.className = `badge badge--${s.stream_status}`;
  badge.textContent = labels[`stream_${s.stream_status}`] ?? s.stream_status;
  badge.hidden = false; // socket.js hides a row's "live" tag when not live; this badge names every state
  const link = card.querySelector("[data-field=stream-link]");
  link.hidden = !s.stream_url;
  if (s.stream_url) link.href = s.stream_url;
  const id = s.stream_url ? youtubeId(s.stream_url) : null;
  card.querySelector("[data-action=watch-here]").hidden = id === null;
  const player = card.querySelector("[data-player]");
  if (player.dataset.video && player.dataset.video !== id) closePlayer(player); // the link changed
}

function render() {
  const split = groups(now());
  for (const [name, sessions] of Object.entries(split)) {
    const list = document.querySelector(`[data-list="${name}"]`);
    const cards = sessions.map((s) => cardOf(s.id));
    // Only move cards that are out of place, so a playing video keeps playing.
    if (cards.some((card, i) => list.children[i] !== card) || list.children.length !== cards.length) {
      list.append(...cards);
    }
    const empty = document.querySelector(`[data-empty="${name}"]`);
    if (empty) empty.hidden = sessions.length > 0;
  }
}

/** Show on the card's button whether its player is open. */
function setButton(card, open) {
  const button = card.querySelector("[data-action=watch-here]");
  button.setAttribute("aria-expanded", String(open));
  button.textContent = open ? labels.close_player : labels.watch_here;
}

function closePlayer(player) {
  player.replaceChildren();
  player.hidden = true;
  delete player.dataset.video;
  setButton(player.closest(".wcard"), false);
}

/** Put a youtube-nocookie player for the card's link into the card; nothing loads from YouTube before this. */
function openPlayer(card) {
  const s = state.sessions.find((item) => item.id === card.dataset.session);
  const id = s?.stream_url ? youtubeId(s.stream_url) : null;
  if (id === null) return;
  const player = card.querySelector("[data-player]");
  const frame = document.createElement("iframe");
  frame.src = `https://www.youtube-nocookie.com/embed/${encodeURIComponent(id)}?autoplay=1`;
  frame.title = fill(labels.player, { title: card.querySelector(".wcard__title").textContent });
  frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  player.replaceChildren(frame);
  player.dataset.video = id;
  player.hidden = false;
  setButton(card, true);
}

/** Apply a staff change to a watchable session: its stream, link, time or place. */
function applyChange(change) {
  const s = state.sessions.find((item) => item.id === change.session);
  const after = change.after;
  if (!s || !after?.start) return;
  Object.assign(s, {
    start: after.start,
    end: after.end,
    status: after.status,
    stream_status: after.stream_status,
    stream_url: after.stream_url,
  });
  renderCard(s);
  render();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action=watch-here]");
  if (!button) return;
  const card = button.closest(".wcard");
  const player = card.querySelector("[data-player]");
  if (player.dataset.video) closePlayer(player);
  else openPlayer(card);
});
document.addEventListener("venue-live:change", (event) => applyChange(event.detail));
for (const s of state.sessions) renderCard(s);
render();
onTick(render, 30_000);
window.venueWatch = { state, render };
