// Search /schedule with no network: when the page shown is a cached copy rendered for another query
// (the service worker's fallback), search the cached program (/api/sessions) in the browser with the
// server's rules (search.js) and show the matches as the server would, marked.

import { pageData } from "./live-data.js";
import { dayLabel, localDay, timeRange } from "./event-time.js";
import { pick, place } from "./text.js";
import { MAX_QUERY, highlightInto, indexSession, search } from "./search.js";

const list = document.getElementById("schedule-list");
const params = new URLSearchParams(location.search);
const wanted = (params.get("q") ?? "").slice(0, MAX_QUERY).trim();

function row(s, q) {
  const li = document.createElement("li");
  li.className = `srow${s.status === "cancelled" ? " srow--cancelled" : ""}`;
  li.dataset.session = s.id;
  const time = Object.assign(document.createElement("span"), { className: "srow__time", textContent: timeRange(s.start, s.end) });
  const body = Object.assign(document.createElement("span"), { className: "srow__body" });
  const day = Object.assign(document.createElement("span"), { className: "srow__day muted", textContent: dayLabel(s.start) });
  const title = Object.assign(document.createElement("a"), { className: "srow__title", href: `/sessions/${encodeURIComponent(s.id)}` });
  highlightInto(title, pick(s.title), q);
  const where = Object.assign(document.createElement("span"), { className: "srow__where", textContent: place(s) });
  body.append(day, title, where);
  if (s.speakers?.length) {
    const speakers = Object.assign(document.createElement("span"), { className: "srow__speakers" });
    s.speakers.forEach((sp, i) => {
      const link = Object.assign(document.createElement("a"), { href: `/speakers/${encodeURIComponent(sp.speaker)}` });
      highlightInto(link, pick(sp.name), q);
      speakers.append(...(i ? [", "] : []), link);
    });
    body.append(speakers);
  }
  li.append(time, body);
  return li;
}

async function searchOffline() {
  const response = await fetch("/api/sessions");
  if (!response.ok) return;
  const { sessions } = await response.json();
  const names = pageData("search-names");
  const keep = (s) =>
    (!params.get("day") || localDay(s.start) === params.get("day")) &&
    ["venue", "room", "track"].every((key) => !params.get(key) || s[key] === params.get(key));
  const chosen = sessions.filter(keep);
  const byId = new Map(chosen.map((s) => [s.id, s]));
  const hits = search(chosen.map((s) => indexSession(s, names)), wanted, names);
  const results = Object.assign(document.createElement("ul"), { className: "slist", id: "search-results" });
  results.append(...hits.map((hit) => row(byId.get(hit.id), wanted)));
  list.replaceChildren(results);
  list.dataset.q = wanted;
  list.dataset.searched = "browser";
  const input = document.getElementById("schedule-q");
  if (input) input.value = wanted;
  const count = document.getElementById("schedule-count");
  if (count) count.textContent = `${hits.length}`;
}

if (wanted && list && list.dataset.q !== wanted) {
  searchOffline().catch((error) => console.warn("offline search unavailable:", error));
}
