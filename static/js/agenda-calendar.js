// My agenda as a calendar subscription: /agenda.ics?ids=<starred> offered as a webcal:// link and as a
// copyable https URL, both rewritten whenever the stars change (star.js sends venue-live:starred).

import { starredIds } from "./star.js";

const box = document.getElementById("agenda-calendar");
const webcal = document.getElementById("agenda-webcal");
const field = document.getElementById("agenda-feed-url");
const copied = document.getElementById("agenda-feed-copied");

/** Return the https address of the calendar of ids. */
export function feedUrl(base, ids, lang) {
  const url = new URL(base);
  url.search = `ids=${ids.map(encodeURIComponent).join(",")}&lang=${lang}`;
  return url.href;
}

function update() {
  const ids = starredIds();
  box.hidden = ids.length === 0;
  const https = feedUrl(box.dataset.base, ids, box.dataset.lang);
  field.value = https;
  webcal.href = https.replace(/^https?:/, "webcal:");
  copied.textContent = "";
}

document.getElementById("agenda-feed-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select(); // no clipboard permission: leave it selected for a long-press copy
    document.execCommand?.("copy");
  }
  copied.textContent = copied.dataset.copied;
});
field.addEventListener("focus", () => field.select());
document.addEventListener("venue-live:starred", update);
update();
