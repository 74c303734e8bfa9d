// Stars: a session a visitor starred is kept in this browser only (localStorage, a JSON array of ids
// under venue-live:<event id>:starred, the key socket.js reads to highlight toasts). Every
// button[data-star] on the page is a toggle (aria-pressed); clicks are handled once, for buttons
// added later too. Other scripts hear `venue-live:starred` with the new set.

import { live } from "./live-data.js";

export const starKey = `venue-live:${live.event ?? "event"}:starred`;

/** Return the starred session ids, in the order they were starred. */
export function starredIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(starKey) || "[]");
    return Array.isArray(ids) ? ids.filter((id) => typeof id === "string") : [];
  } catch {
    return []; // a damaged value counts as no stars rather than breaking the page
  }
}

function save(ids) {
  localStorage.setItem(starKey, JSON.stringify(ids));
  document.dispatchEvent(new CustomEvent("venue-live:starred", { detail: ids }));
}

/** Star or unstar one session. */
export function setStarred(id, on) {
  const ids = starredIds().filter((item) => item !== id);
  if (on) ids.push(id);
  save(ids);
  syncButtons();
}

/** Show every star button under root with its current state. */
export function syncButtons(root = document) {
  const ids = new Set(starredIds());
  for (const button of root.querySelectorAll("button[data-star]")) {
    const on = ids.has(button.dataset.star);
    button.setAttribute("aria-pressed", String(on));
    const icon = button.querySelector(".star__icon");
    if (icon) icon.textContent = on ? "★" : "☆";
    button.hidden = false;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("button[data-star]");
  if (!button) return;
  setStarred(button.dataset.star, button.getAttribute("aria-pressed") !== "true");
});
// Another tab starred something: show it here too.
window.addEventListener("storage", (event) => {
  if (event.key === starKey) {
    syncButtons();
    document.dispatchEvent(new CustomEvent("venue-live:starred", { detail: starredIds() }));
  }
});
syncButtons();
