// The personal agenda: the starred sessions (kept in this browser) as a plan. The plan itself (order,
// transfers, warnings, leave-by) is computed once, in Python, by GET /api/agenda; this script asks for
// it again whenever the stars change, a live change touches a starred session, or the visitor shares
// their position, and shows it. Text from the data is inserted as text, never as HTML.

import { directionsLine, el } from "./dom.js";
import { hhmm, timeRange } from "./event-time.js";
import { live, pageData } from "./live-data.js";
import { starredIds, syncButtons } from "./star.js";
import { fill, pick, place } from "./text.js";
import { distanceLabel as distance } from "./walk.js";

const data = pageData("agenda-data");
const labels = data.labels;
const daysNode = document.getElementById("agenda-days");
const statusNode = document.getElementById("agenda-status");
const nextNode = document.getElementById("agenda-next");

const venueName = (id) => data.venues[id]?.name ?? live.venues[id] ?? id;

let position = null; // [lat, lon] once the visitor shares it
let plan = null;
const changed = new Set(); // sessions a live change touched since the page loaded
let loading = 0;

const directions = (venueId) => directionsLine(data.venues[venueId]?.directions ?? [], labels.directions);

function starButton(id, title) {
  const button = el("button", "star");
  button.type = "button";
  button.dataset.star = id;
  button.setAttribute("aria-pressed", "true");
  button.append(el("span", "star__icon", "★"), ` ${labels.star}`, el("span", "sr-only", `: ${title}`));
  button.querySelector(".star__icon").setAttribute("aria-hidden", "true");
  return button;
}

const where = (s) => place(s, labels.online);

/** Return the line between two sessions: the gap, the way, and a warning when it cannot work. */
function transferItem(t, s) {
  const li = el("li", t.problem ? "agenda__transfer has-problem" : "agenda__transfer");
  const leg = t.from_venue === t.to_venue
    ? labels.same_venue
    : fill(labels.transfer, { distance: distance(t.distance_m), minutes: t.walking_minutes });
  li.append(el("p", "agenda__leg", `${fill(labels.gap, { minutes: Math.max(t.gap_minutes, 0) })} · ${leg}`));
  if (t.approximate) li.querySelector(".agenda__leg").append(` (${labels.approximate})`);
  if (t.transit_hint) li.append(el("p", "agenda__hint muted", pick(t.transit_hint)));
  if (t.problem) {
    const previous = plan.sessions[t.from_session];
    const text = t.problem === "overlap"
      ? fill(labels.overlap, { title: pick(previous.title) })
      : fill(labels.late, {
          from_time: hhmm(t.from_end),
          from_venue: venueName(t.from_venue),
          to_time: hhmm(s.start),
          to_venue: venueName(t.to_venue),
          distance: distance(t.distance_m),
          minutes: t.walking_minutes,
        });
    const warning = el("p", "agenda__warning", `⚠ ${text}`);
    warning.setAttribute("role", "note");
    li.append(warning);
  }
  return li;
}

function sessionItem(s) {
  const cancelled = s.status === "cancelled";
  const li = el("li", `agenda__item${cancelled ? " is-cancelled" : ""}${changed.has(s.id) ? " is-changed" : ""}`);
  li.dataset.agendaSession = s.id;
  li.append(el("span", "agenda__time", timeRange(s.start, s.end)));
  const body = el("span", "agenda__body");
  const link = el("a", "agenda__title", pick(s.title));
  link.href = `/sessions/${encodeURIComponent(s.id)}`;
  body.append(link, el("span", "agenda__where", where(s)));
  if (cancelled) body.append(el("span", "tag tag--cancelled", labels.cancelled + (s.status_reason ? `: ${s.status_reason}` : "")));
  if (!s.venue && !cancelled) body.append(el("span", "muted", labels.online));
  if (changed.has(s.id)) body.append(el("span", "tag tag--changed", labels.updated));
  li.append(body, starButton(s.id, pick(s.title)));
  return li;
}

function renderNext() {
  const next = plan.next;
  nextNode.hidden = !next;
  if (!next) return;
  const s = plan.sessions[next.session];
  const body = document.getElementById("agenda-next-body");
  const head = el("p", "agenda__next-session");
  const link = el("a", "", pick(s.title));
  link.href = `/sessions/${encodeURIComponent(s.id)}`;
  head.append(`${hhmm(s.start)} `, link, ` · ${where(s)}`);
  const parts = [head];
  if (next.leave_by) {
    const leave = el("p", next.late ? "agenda__leave is-late" : "agenda__leave");
    leave.append(el("strong", "", fill(labels.leave_by, { time: hhmm(next.leave_by) })), " ");
    const from = next.origin === "position"
      ? fill(labels.from_position, { distance: distance(next.distance_m), minutes: next.walking_minutes })
      : next.from_venue === s.venue
        ? fill(labels.from_same_venue, { venue: venueName(next.from_venue) })
        : fill(labels.from_venue, { venue: venueName(next.from_venue), distance: distance(next.distance_m), minutes: next.walking_minutes });
    leave.append(from);
    parts.push(leave);
    if (next.late) parts.push(el("p", "agenda__warning", `⚠ ${labels.too_late}`));
  } else if (next.origin !== "online") {
    parts.push(el("p", "muted", labels.no_origin));
  }
  if (s.venue) parts.push(directions(s.venue));
  body.replaceChildren(...parts);
}

function render() {
  const sections = plan.days.map((day) => {
    const section = el("section", "agenda__day");
    section.append(el("h2", "", data.days[day.day] ?? day.day));
    const list = el("ul", "agenda__list");
    for (const item of day.items) {
      const s = plan.sessions[item.session];
      if (item.transfer) list.append(transferItem(item.transfer, s));
      list.append(sessionItem(s));
    }
    section.append(list);
    return section;
  });
  daysNode.replaceChildren(...sections);
  renderNext();
  syncButtons(daysNode);
}

/** Ask the server for the plan of the current stars and show it. */
async function load() {
  const ids = starredIds();
  const ics = document.getElementById("agenda-ics");
  if (ics) {
    ics.hidden = ids.length === 0;
    ics.href = `/agenda.ics?ids=${ids.map(encodeURIComponent).join(",")}`;
  }
  document.getElementById("agenda-empty").hidden = ids.length > 0;
  if (ids.length === 0) {
    plan = null;
    daysNode.replaceChildren();
    nextNode.hidden = true;
    return;
  }
  const params = new URLSearchParams({ ids: ids.join(",") });
  if (data.at) params.set("at", data.at);
  if (position) {
    params.set("lat", position[0].toFixed(6));
    params.set("lon", position[1].toFixed(6));
  }
  const ticket = ++loading;
  daysNode.setAttribute("aria-busy", "true");
  const response = await fetchAgenda(`/api/agenda?${params}`);
  if (ticket !== loading) return; // a newer request is on its way
  if (!response?.ok) {
    statusNode.textContent = labels.error;
    daysNode.removeAttribute("aria-busy");
    return;
  }
  plan = await response.json();
  if (ticket !== loading) return;
  render();
  daysNode.removeAttribute("aria-busy");
}

/** Fetch the plan; on a dropped connection or a server error try twice more (roaming data drops requests). */
async function fetchAgenda(url) {
  let response = null;
  for (const pause of [0, 1000, 3000]) {
    if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.status < 500) return response;
    } catch {
      response = null;
    }
  }
  return response;
}

document.getElementById("agenda-locate").addEventListener("click", () => {
  if (!navigator.geolocation) {
    statusNode.textContent = labels.unavailable;
    return;
  }
  statusNode.textContent = labels.finding;
  navigator.geolocation.getCurrentPosition(
    (found) => {
      position = [found.coords.latitude, found.coords.longitude];
      statusNode.textContent = "";
      load();
    },
    (error) => {
      statusNode.textContent = error.code === 1 ? labels.denied : labels.unavailable;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});

document.addEventListener("venue-live:starred", load);
document.addEventListener("venue-live:change", (event) => {
  const change = event.detail;
  if (change.session && starredIds().includes(change.session)) {
    changed.add(change.session);
    load();
  }
});
load();
