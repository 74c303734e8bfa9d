// Keep the app usable with no network: register the service worker, tell it what this page and the
// pages a visitor opens next need, and say plainly when the page is offline and how old its data is.

import { live as data } from "./live-data.js";

// The server wrote the notice, with the time it rendered this page: the age of its data from the cache.
const notice = document.getElementById("offline-notice");

function showState() {
  notice.hidden = navigator.onLine;
  notice.textContent = navigator.onLine ? "" : notice.dataset.text;
}

async function register() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  await navigator.serviceWorker.ready;
  const worker = registration.active;
  const lang = `lang=${data.lang}`;
  const pages = ["/", "/schedule", "/agenda", "/live", "/api/venues", "/api/sessions"].map((p) => `${p}${p.startsWith("/api") ? "" : `?${lang}`}`);
  const assets = performance.getEntriesByType("resource").map((entry) => entry.name).filter((url) => new URL(url).origin === location.origin && !url.includes("/socket.io/"));
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "cached") document.documentElement.dataset.offlineReady = "1";
  });
  worker?.postMessage({ type: "cache-urls", urls: [location.href, ...pages, ...assets] });
}

window.addEventListener("online", showState);
window.addEventListener("offline", showState);
showState();
register().catch((error) => console.warn("offline support unavailable:", error));
