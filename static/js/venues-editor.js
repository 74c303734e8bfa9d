// Place the venues and group the rooms (organisers, /staff/venues). One state, one renderer for the
// list and one for the map's pins; saving sends every venue to the server, which checks the result
// as it checks the venues file. Texts from the data go into the page with textContent, never as HTML.
// Works without tiles: the pins drag on a blank map, and each venue has a coordinate field.

/* global L */

import { el } from "./dom.js";
import { fill, pick } from "./text.js";

const data = JSON.parse(document.getElementById("venues-data").textContent);
const W = data.labels;
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const byId = (id) => document.getElementById(id);
const list = byId("ve-list");
const statusLine = byId("ve-status");
const errorBox = byId("ve-error");
const selectionLine = byId("ve-selection");

const venues = data.venues.map((v) => ({ ...v, isNew: false }));
const selected = new Set();
let dirty = false;
let saving = false;

// --- words -------------------------------------------------------------------------------------------

const pickText = (text) => pick(text, data.lang, data.langs);
const venueTitle = (v) => pickText(v.short_name) || pickText(v.name) || W.new_venue;
const roomOf = (id) => data.rooms[id];
const formatPosition = (p) => (p ? `${p[1].toFixed(6)}, ${p[0].toFixed(6)}` : "");

/** Read "lat, lon" (or "lat lon"); return [lon, lat] or null when it is not a position. */
function parsePosition(text) {
  const parts = text.trim().split(/[\s,;]+/).filter(Boolean).map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) return null;
  const [lat, lon] = parts;
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lon, lat] : null;
}

function slug(text) {
  return text.normalize("NFKD").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
}

/** Return an id no venue or room has: from the name when it has Latin letters, else venue-N. */
function freshId(name, self) {
  const taken = new Set([...venues.filter((v) => v !== self).map((v) => v.id), ...Object.keys(data.rooms)]);
  const base = slug(name) || "venue";
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}

function changed() {
  dirty = true;
  errorBox.hidden = true;
  statusLine.textContent = W.unsaved;
}

// --- the map -----------------------------------------------------------------------------------------

const map = L.map("ve-map", { zoomControl: true, worldCopyJump: true });
L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
const pins = new Map(); // venue id -> { marker, circle }

function pinIcon(v) {
  const label = el("span", v.approximate ? "venue-pin venue-pin--approximate" : "venue-pin");
  label.dataset.venue = v.id;
  label.append(el("span", "venue-pin__dot"), el("span", "venue-pin__label", venueTitle(v)));
  return L.divIcon({ html: label, className: "venue-marker ve-marker", iconSize: null });
}

/** Draw every placed venue's pin (draggable) and, for an approximate one, its circle. */
function drawPins() {
  for (const [id, pin] of pins) {
    if (!venues.some((v) => v.id === id && v.position)) {
      pin.marker.remove();
      pin.circle?.remove();
      pins.delete(id);
    }
  }
  for (const v of venues) {
    if (!v.position) continue;
    const at = [v.position[1], v.position[0]];
    let pin = pins.get(v.id);
    if (!pin) {
      const marker = L.marker(at, { icon: pinIcon(v), draggable: true, autoPan: true, keyboard: true, title: venueTitle(v), alt: venueTitle(v) });
      marker.on("dragend", () => {
        const { lat, lng } = marker.getLatLng();
        const venue = venues.find((item) => pins.get(item.id)?.marker === marker);
        venue.position = [Number(lng.toFixed(7)), Number(lat.toFixed(7))];
        changed();
        drawPins();
        renderCard(venue);
      });
      marker.on("click", () => showCard(venues.find((item) => pins.get(item.id)?.marker === marker)));
      pin = { marker: marker.addTo(map), circle: null };
      pins.set(v.id, pin);
    }
    pin.marker.setLatLng(at);
    pin.marker.setIcon(pinIcon(v));
    pin.circle?.remove();
    pin.circle = v.approximate
      ? L.circle(at, { radius: v.accuracy_m || 250, color: "#9a3412", weight: 2, dashArray: "6 6", fillOpacity: 0.08, interactive: false }).addTo(map)
      : null;
  }
}

function fitPins() {
  const placed = venues.filter((v) => v.position).map((v) => [v.position[1], v.position[0]]);
  if (placed.length > 1) map.fitBounds(placed, { padding: [40, 40], maxZoom: 16 });
  else if (placed.length === 1) map.setView(placed[0], 15);
  else map.setView([20, 0], 2);
}

// --- the list ----------------------------------------------------------------------------------------

const cardTemplate = byId("ve-card").content;
const textTemplate = byId("ve-text").content;

function textField(v, key, lang) {
  const node = textTemplate.cloneNode(true);
  node.querySelector("[data-label]").textContent = fill(W[key], { lang });
  const input = node.querySelector("input");
  input.value = v[key][lang] ?? "";
  input.lang = lang;
  input.dataset.key = key;
  input.addEventListener("input", () => {
    v[key] = { ...v[key], [lang]: input.value };
    if (v.isNew && key === "name" && /[a-z]/i.test(input.value)) v.id = freshId(input.value, v);
    changed();
    const card = list.querySelector(`[data-venue="${CSS.escape(v.cardKey)}"]`);
    card.querySelector(".vcard__title").textContent = venueTitle(v);
    card.querySelector(".vcard__id").textContent = v.id;
    drawPins();
  });
  return node;
}

function roomChip(v, roomId) {
  const room = roomOf(roomId);
  const li = el("li", "roomchip");
  li.dataset.room = roomId;
  const handle = el("button", "roomchip__handle", "⠿");
  handle.type = "button";
  handle.setAttribute("aria-label", fill(W.handle, { room: room.name }));
  handle.addEventListener("pointerdown", (event) => startDrag(event, roomId, li));
  const choose = el("button", "roomchip__pick");
  choose.type = "button";
  choose.setAttribute("aria-pressed", String(selected.has(roomId)));
  const name = el("span", "roomchip__name", room.floor ? `${room.name} · ${room.floor}` : room.name);
  const sessions = room.sessions === 1 ? W.one_session : W.sessions;
  const count = el("span", "muted roomchip__count", fill(sessions, { n: room.sessions }));
  choose.append(name, count);
  choose.addEventListener("click", () => {
    if (selected.has(roomId)) selected.delete(roomId);
    else selected.add(roomId);
    renderList();
  });
  li.append(handle, choose);
  return li;
}

/** Fill one venue's card from the state (the single renderer for a card, at load and after edits). */
function renderCard(v, card = list.querySelector(`[data-venue="${CSS.escape(v.cardKey)}"]`)) {
  card.dataset.venue = v.cardKey;
  card.classList.toggle("vcard--unplaced", !v.position);
  card.querySelector(".vcard__title").textContent = venueTitle(v);
  card.querySelector(".vcard__id").textContent = v.id;
  const position = card.querySelector('[data-field="position"]');
  if (document.activeElement !== position) {
    position.value = formatPosition(v.position);
    position.removeAttribute("aria-invalid");
  }
  const hint = card.querySelector("[data-hint]");
  hint.textContent = v.position ? "" : W.not_placed;
  card.querySelector('[data-field="approximate"]').checked = v.approximate;
  card.querySelector("[data-accuracy]").hidden = !v.approximate;
  card.querySelector('[data-field="accuracy"]').value = v.accuracy_m ?? "";
  const rooms = card.querySelector("[data-rooms]");
  rooms.replaceChildren(...v.rooms.map((roomId) => roomChip(v, roomId)));
  const empty = card.querySelector("[data-empty]");
  empty.hidden = v.rooms.length > 0;
  empty.textContent = W.empty;
  const moving = [...selected].filter((roomId) => !v.rooms.includes(roomId));
  const moveHere = card.querySelector('[data-action="move-here"]');
  moveHere.hidden = moving.length === 0;
  moveHere.textContent = fill(W.rooms_here, { n: moving.length });
  const remove = card.querySelector('[data-action="remove"]');
  remove.hidden = v.rooms.length > 0;
  remove.textContent = W.remove;
}

/** Put venue v at position; a venue placed for the first time is taken to be where the organiser put it. */
function place(v, position) {
  if (!v.position) v.approximate = false;
  v.position = position;
  changed();
  drawPins();
  renderCard(v);
}

/** Bring a typed position into view, close enough to tell neighbouring venues apart. */
function showOnMap(position) {
  const at = [position[1], position[0]];
  if (map.getZoom() < 13) map.setView(at, 15);
  else map.panTo(at);
}

function buildCard(v) {
  const card = cardTemplate.firstElementChild.cloneNode(true);
  card.dataset.venue = v.cardKey;
  const texts = card.querySelector("[data-texts]");
  for (const key of ["name", "short_name", "address"]) {
    for (const lang of data.langs) texts.append(textField(v, key, lang));
  }
  if (v.isNew || !pickText(v.name)) card.querySelector("details").open = true;
  const position = card.querySelector('[data-field="position"]');
  position.addEventListener("change", () => {
    if (!position.value.trim()) return;
    const parsed = parsePosition(position.value);
    position.toggleAttribute("aria-invalid", !parsed);
    card.querySelector("[data-hint]").textContent = parsed ? "" : W.bad_position;
    if (!parsed) return;
    place(v, parsed);
    showOnMap(parsed);
  });
  card.querySelector('[data-action="place"]').addEventListener("click", () => {
    const { lat, lng } = map.getCenter();
    place(v, [Number(lng.toFixed(7)), Number(lat.toFixed(7))]);
    byId("ve-map").scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
  card.querySelector('[data-field="approximate"]').addEventListener("change", (event) => {
    v.approximate = event.target.checked;
    if (v.approximate && !v.accuracy_m) v.accuracy_m = 250;
    changed();
    drawPins();
    renderCard(v);
  });
  card.querySelector('[data-field="accuracy"]').addEventListener("change", (event) => {
    const metres = Number(event.target.value);
    if (Number.isFinite(metres) && metres > 0) v.accuracy_m = metres;
    changed();
    drawPins();
  });
  card.querySelector('[data-action="move-here"]').addEventListener("click", () => moveRooms([...selected], v));
  card.querySelector('[data-action="remove"]').addEventListener("click", () => {
    venues.splice(venues.indexOf(v), 1);
    changed();
    drawPins();
    renderList();
  });
  return card;
}

const cards = new Map(); // cardKey -> card element, kept so a re-render does not lose open details or focus

function renderList() {
  list.replaceChildren(
    ...venues.map((v) => {
      if (!cards.has(v.cardKey)) cards.set(v.cardKey, buildCard(v));
      const card = cards.get(v.cardKey);
      renderCard(v, card);
      return card;
    }),
  );
  selectionLine.hidden = selected.size === 0;
  selectionLine.textContent = fill(W.selected, { n: selected.size });
}

function showCard(v) {
  const card = cards.get(v.cardKey);
  card.scrollIntoView({ block: "center", behavior: "smooth" });
  card.classList.remove("is-highlighted");
  void card.offsetWidth;
  card.classList.add("is-highlighted");
}

/** Move rooms into venue `to`, keeping their order, and clear the selection. */
function moveRooms(roomIds, to) {
  for (const roomId of roomIds) {
    const from = venues.find((v) => v.rooms.includes(roomId));
    if (!from || from === to) continue;
    from.rooms = from.rooms.filter((id) => id !== roomId);
    to.rooms = [...to.rooms, roomId];
  }
  selected.clear();
  changed();
  renderList();
}

// --- dragging a room by its handle (pointer events: mouse, pen and touch alike) ------------------------

function startDrag(event, roomId, chip) {
  if (event.button !== 0) return;
  event.preventDefault();
  const handle = event.currentTarget;
  handle.setPointerCapture(event.pointerId);
  const ghost = chip.cloneNode(true);
  ghost.classList.add("roomchip--ghost");
  ghost.style.width = `${chip.offsetWidth}px`;
  document.body.append(ghost);
  chip.classList.add("roomchip--dragging");
  let target = null;
  let scroll = 0;
  const scroller = setInterval(() => scroll && window.scrollBy(0, scroll), 16);
  const move = (e) => {
    ghost.style.transform = `translate(${e.clientX + 8}px, ${e.clientY - 16}px)`;
    // Near the top or bottom of the screen the page scrolls, so any venue can be reached on a phone.
    scroll = e.clientY < 60 ? -12 : e.clientY > window.innerHeight - 90 ? 12 : 0;
    ghost.hidden = true;
    const under = document.elementFromPoint(e.clientX, e.clientY)?.closest(".vcard");
    ghost.hidden = false;
    if (under !== target) {
      target?.classList.remove("vcard--drop");
      target = under;
      target?.classList.add("vcard--drop");
    }
  };
  const end = () => {
    clearInterval(scroller);
    handle.removeEventListener("pointermove", move);
    ghost.remove();
    chip.classList.remove("roomchip--dragging");
    target?.classList.remove("vcard--drop");
    const to = target && venues.find((v) => v.cardKey === target.dataset.venue);
    if (to) moveRooms([roomId], to);
  };
  move(event);
  handle.addEventListener("pointermove", move);
  handle.addEventListener("pointerup", end, { once: true });
  handle.addEventListener("pointercancel", end, { once: true });
}

// --- adding, saving ------------------------------------------------------------------------------------

byId("ve-add").addEventListener("click", () => {
  const v = { id: freshId("", null), cardKey: "", name: {}, short_name: {}, address: {}, position: null, approximate: false, accuracy_m: null, rooms: [], isNew: true };
  v.cardKey = `new-${v.id}`;
  venues.push(v);
  changed();
  renderList();
  showCard(v);
  cards.get(v.cardKey).querySelector('input[data-key="name"]').focus();
});

function payload() {
  return {
    base: data.version,
    venues: venues.map((v) => ({
      id: v.id,
      name: v.name,
      short_name: v.short_name,
      address: v.address,
      position: v.position,
      approximate: v.approximate,
      accuracy_m: v.approximate ? v.accuracy_m : null,
      rooms: v.rooms,
    })),
  };
}

async function save() {
  if (saving) return;
  saving = true;
  errorBox.hidden = true;
  statusLine.textContent = W.saving;
  try {
    const response = await fetch(data.save_url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(payload()),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      // The server's one sentence, as the venues file would get it; every edit stays on the page.
      errorBox.textContent = answer.message ?? `${response.status}`;
      errorBox.hidden = false;
      statusLine.textContent = W.unsaved;
      return;
    }
    data.version = answer.version;
    for (const v of venues) v.isNew = false;
    dirty = false;
    statusLine.textContent = answer.saved ? W.saved : W.unchanged;
  } catch {
    errorBox.textContent = W.offline;
    errorBox.hidden = false;
    statusLine.textContent = W.unsaved;
  } finally {
    saving = false;
  }
}

byId("ve-save").addEventListener("click", save);
window.addEventListener("beforeunload", (event) => {
  if (dirty) event.preventDefault();
});

for (const v of venues) v.cardKey = v.id;
renderList();
drawPins();
fitPins();
