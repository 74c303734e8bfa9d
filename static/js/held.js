// The held-release card on the staff pages: redrawn from the server's own rendering of it
// (/staff/held/card, the template the page was drawn with) when it may have changed.
// Applying a release makes changes, so a change reaching the page redraws it at once; holding or
// ignoring one makes none (and the follower may be another process), so the card is also asked for
// every few seconds while the page is visible: a 304 when nothing changed.

const box = document.getElementById("held-box");
const EVERY_MS = 5000;
let etag = null; // the state the page was drawn with is unknown: the first answer is a 200
let busy = false;

async function refresh() {
  if (!box || busy) return;
  busy = true;
  try {
    const response = await fetch(box.dataset.card, {
      headers: etag ? { "If-None-Match": etag } : {},
      cache: "no-store",
      credentials: "same-origin",
    });
    if (response.status === 200) {
      etag = response.headers.get("ETag");
      const html = await response.text();
      // The server's own template, its text escaped by Jinja: the same markup the page was loaded with.
      // A 200 means the held release changed (the ETag is its state), so the card is redrawn.
      box.innerHTML = html;
    }
  } catch {
    // Offline or signed out: the card keeps what it shows; the next round tries again.
  } finally {
    busy = false;
  }
}

if (box) {
  document.addEventListener("venue-live:change", refresh);
  setInterval(() => {
    if (!document.hidden) refresh();
  }, EVERY_MS);
}
