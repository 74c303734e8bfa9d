// The session rows of /schedule and /venues/<id>: the hour blocks (hour-blocks.js), their heads and counts, the
// rows and the filters' effect, drawn from the page's rows-state at load and again after each change, so
// a session moved, retimed or added lands where a fresh load puts it. The server's HTML for the same
// list (templates/_hour_blocks.html, _session_row.html) is only what a browser without scripts shows.

import { now, onTick } from "./clock.js";
import { el } from "./dom.js";
import { dayLabel, localDay, timeRange } from "./event-time.js";
import { hourBlocks, listOrder } from "./hour-blocks.js";
import { live, pageData } from "./live-data.js";
import { syncButtons } from "./star.js";
import { renderBoard } from "./room-board.js";
import { fill, pick } from "./text.js";

const state = pageData("rows-state", null);
const list = document.getElementById("schedule-list");
const labels = state?.labels ?? {};
const plural = new Intl.PluralRules(live.lang);
// Hours the visitor opened or closed by hand: kept when the blocks are drawn again.
const toggled = new Map();

/** Return a counted phrase ("3 sessions") in the page's language. */
const counted = (forms, n) => fill(forms[plural.select(n)] ?? forms.other, { num: n });

// A search's results keep the server's order; what a query matches is marked (search.js, as the server).
const q = state?.q ?? "";
const { highlightInto } = q ? await import("./search.js") : {};

/** Put text into element, what the search matches marked. */
function put(element, text) {
  if (q) highlightInto(element, text, q);
  else element.textContent = text;
  return element;
}

/** Return whether session s is shown: on the page's day (if it has one) and through its filters. */
function shown(s) {
  const { venue, room, track } = state.filters;
  return (
    (!state.day || localDay(s.start) === state.day) &&
    (!venue || s.venue_id === venue) &&
    (!room || s.room_id === room) &&
    (!track || s.track_id === track)
  );
}

/** Build one session's row (as templates/_session_row.html), with DOM nodes: text only, never HTML. */
function row(s) {
  const li = el("li", s.status === "cancelled" ? "srow srow--cancelled" : "srow");
  li.dataset.session = s.id;
  li.style.setProperty("--track", s.color);
  const body = el("span", "srow__body");
  if (s.day) body.append(el("span", "srow__day muted", s.day));
  const title = put(el("a", "srow__title"), s.title);
  title.href = s.url;
  const where = el("span", "srow__where", s.venue_id ? live.venues[s.venue_id] : live.labels.online);
  const room = live.rooms[s.room_id];
  if (s.venue_id && room) where.append(" · ", put(el("span"), room.name));
  body.append(title, where);
  if (s.speakers.length) {
    const speakers = el("span", "srow__speakers");
    s.speakers.forEach((sp, i) => {
      const link = put(el("a"), sp.name);
      link.href = `/speakers/${sp.id}`;
      speakers.append(...(i ? [", "] : []), link);
    });
    body.append(speakers);
  }
  const tags = el("span", "srow__tags");
  tags.append(put(el("span", "tag tag--track"), s.track));
  if (s.mode !== "in_person") tags.append(el("span", `tag tag--${s.mode}`, labels.modes[s.mode] ?? s.mode));
  const stream = el("span", "tag tag--streaming", `● ${labels.live}`);
  stream.dataset.field = "stream";
  stream.hidden = s.stream_status !== "live";
  tags.append(stream);
  if (s.reconstructed) {
    const mark = el("span", "tag tag--reconstructed", labels.reconstructed);
    mark.title = labels.reconstructed_title;
    tags.append(mark);
  }
  const cancelled = s.status === "cancelled";
  const status = el("span", "tag tag--cancelled", cancelled ? labels.cancelled + (s.status_reason ? `: ${s.status_reason}` : "") : "");
  status.dataset.field = "status";
  status.hidden = !cancelled;
  tags.append(status);
  body.append(tags);
  const star = el("button", "star");
  star.type = "button";
  star.dataset.star = s.id;
  star.setAttribute("aria-pressed", "false");
  star.hidden = true;
  const icon = el("span", "star__icon", "☆");
  icon.setAttribute("aria-hidden", "true");
  star.append(icon, ` ${labels.star}`, el("span", "sr-only", `: ${s.title}`));
  const starCell = el("span", "srow__star");
  starCell.append(star);
  li.append(el("span", "srow__time", timeRange(s.start, s.end)), body, starCell);
  return li;
}

/** Build one hour block (as templates/_hour_blocks.html): its head, its count, its rows. */
function hourBlock(block, isJump) {
  const details = el("details", `hour hour--${block.state}`);
  details.id = isJump ? "now" : `hour-${String(block.hour).padStart(2, "0")}`;
  details.dataset.hour = String(block.hour);
  details.open = toggled.get(block.hour) ?? block.open;
  const head = el("summary", "hour__head");
  head.append(el("span", "hour__label", `${String(block.hour).padStart(2, "0")}:00`));
  if (isJump) head.append(" ", el("span", "tag tag--now", block.state === "now" ? labels.now : labels.next));
  const count = counted(labels.sessions, block.rows.length) + (block.still_on ? ` · ${counted(labels.still_on, block.still_on)}` : "");
  head.append(" ", el("span", "muted", count));
  const rows = el("ul", "slist");
  rows.append(...block.rows.map(row));
  details.append(head, rows);
  return details;
}

/** Draw a search's results in the server's order: those that left the filters or the day drop out. */
function renderResults() {
  const results = document.getElementById("search-results");
  if (!results) return;
  const kept = state.sessions.filter(shown);
  results.replaceChildren(...kept.map(row));
  syncButtons(results);
  const count = document.getElementById("schedule-count");
  const matches = state.matches - (state.sessions.length - kept.length);
  if (count) count.textContent = counted(labels.sessions, matches || kept.length);
}

/** Draw the day's rows, the page's count and the "Jump to now" link from the page's data, now. */
function render() {
  if (q) return renderResults();
  const sessions = state.sessions.filter(shown).sort(listOrder);
  const { blocks, nowIndex } = hourBlocks(sessions, state.day, now());
  const drawn = blocks.map((block, i) => hourBlock(block, i === nowIndex));
  list.replaceChildren(...(drawn.length ? drawn : [el("p", "muted", labels.empty)]));
  syncButtons(list);
  const count = document.getElementById("schedule-count");
  if (count) count.textContent = counted(labels.sessions, sessions.length);
  const jump = document.getElementById("jump-now");
  if (jump?.getAttribute("href") === "#now") jump.hidden = nowIndex === null;
  renderBoard(state.sessions); // a venue page's rooms: what is on now and next (none on /schedule)
}

/** Return the row data of a session added by staff, from the change that added it. */
function addedRow(data) {
  const track = state.tracks[data.track] ?? { name: data.track, color: "#444444" };
  return {
    id: data.id,
    title: pick(data.title),
    url: `/sessions/${data.id}`,
    track_id: data.track,
    track: track.name,
    color: track.color,
    mode: data.mode,
    reconstructed: data.provenance === "reconstructed",
    speakers: data.speakers.map((sp) => ({ id: sp.speaker, name: pick(sp.name) })),
  };
}

/** Apply a staff change to the sessions this page knows, then draw the rows again. */
function applyChange(change) {
  const after = change.after;
  if (!change.session || !after?.start) return;
  let s = state.sessions.find((item) => item.id === change.session);
  if (!s && change.new_session && !q) {
    s = addedRow(change.new_session);
    state.sessions.push(s);
  } else if (!s && !q) {
    // Retimed here from another day: this page has not got its row's data (it carries one day's), so
    // it loads again, spread over a few seconds; rare, and only pages of that day.
    if (localDay(after.start) === state.day) setTimeout(() => location.reload(), 1000 + Math.random() * 4000);
    return;
  } else if (!s) {
    return; // a search's results are the server's: a session it did not find stays out until a reload
  }
  if (s.day && localDay(after.start) !== localDay(s.start)) s.day = dayLabel(after.start);
  Object.assign(s, {
    start: after.start,
    end: after.end,
    venue_id: after.venue,
    room_id: after.room,
    status: after.status,
    status_reason: after.status_reason,
    stream_status: after.stream_status,
  });
  render();
  for (const changed of list.querySelectorAll(`[data-session="${CSS.escape(s.id)}"]`)) changed.classList.add("is-updated");
}

// A cached copy of the page shown for another search (offline: schedule-search.js searches instead).
const forThisPage = (new URLSearchParams(location.search).get("q") ?? "").trim() === q;

if (state && list && forThisPage) {
  list.addEventListener("click", (event) => {
    const head = event.target.closest?.("summary.hour__head");
    if (head) toggled.set(Number(head.parentElement.dataset.hour), !head.parentElement.open);
  });
  document.addEventListener("venue-live:change", (event) => applyChange(event.detail));
  onTick(render, 60_000);
  render();
  window.venueRowsDrawn = true;
}
