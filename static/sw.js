// Venue Live service worker: the app shell, the assets, the program and the venues stay available
// with no network. Pages and API answers: network first (a flaky roaming network gets 3 s), then the
// cached copy. Our static files: the cached copy at once, refreshed in the background. Other origins
// (map tiles) and Socket.IO are left alone; live changes missed offline come back through the log.

// Bumped when the page scripts' modules change shape: a cached old module must never import a new one.
const CACHE = "venue-live-v7";
const NETWORK_TIMEOUT_MS = 3000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("venue-live-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

const sameOrigin = (url) => new URL(url, self.location.origin).origin === self.location.origin;

/** Return the same-origin scripts and stylesheets an HTML page loads. */
function assetsOf(html) {
  const found = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="(\/(?:static|vendor)\/[^"]+)"/g)];
  return found.map((match) => match[1].replaceAll("&amp;", "&"));
}

/** Fetch url into the cache; for a page, return the assets it loads so they are cached too. */
async function store(cache, url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) return [];
  await cache.put(url, response.clone());
  return (response.headers.get("Content-Type") ?? "").startsWith("text/html") ? assetsOf(await response.text()) : [];
}

/** Cache what a page says it needs: itself, its assets, and the other pages a visitor opens next. */
self.addEventListener("message", (event) => {
  if (event.data?.type !== "cache-urls") return;
  const urls = event.data.urls.filter(sameOrigin);
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const pages = await Promise.allSettled(urls.map((url) => store(cache, url)));
      const assets = new Set(pages.flatMap((p) => (p.status === "fulfilled" ? p.value : [])));
      await Promise.allSettled([...assets].filter((url) => !urls.includes(url)).map((url) => store(cache, url)));
      event.source?.postMessage({ type: "cached", count: urls.length + assets.size });
    })(),
  );
});

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answer from the network; a copy we have wins when the network is slow (NETWORK_TIMEOUT_MS) or gone.
 *  With no copy, a slow network is waited for: slow is better than failing. */
async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const cachedCopy = async () =>
    (await cache.match(request, { ignoreVary: true })) ?? (await cache.match(request, { ignoreVary: true, ignoreSearch: true }));
  const network = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  const slow = pause(NETWORK_TIMEOUT_MS).then(() => "slow");
  try {
    const first = await Promise.race([network, slow]);
    if (first !== "slow") return first;
    const cached = await cachedCopy();
    if (cached) {
      network.catch(() => undefined); // still refreshes the copy when it arrives
      return cached;
    }
    return await network;
  } catch (error) {
    // Pages vary by language and cookie; offline, the copy we have beats none.
    const cached = await cachedCopy();
    if (cached) return cached;
    throw error;
  }
}

async function staleWhileRevalidate(request, event) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const refresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/socket.io/") || url.pathname.startsWith("/staff") || url.pathname === "/login") return;
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/")) {
    event.respondWith(staleWhileRevalidate(request, event));
  } else {
    event.respondWith(networkFirst(request));
  }
});

// --- Web Push (webapp/push, static/js/push.js): a notice about a starred session; a tap opens it. ---
// Self-contained block: the payload is {title, body, url, tag, seq}, encrypted by the server (RFC 8291).

self.addEventListener("push", (event) => {
  let notice;
  try {
    notice = event.data ? event.data.json() : {};
  } catch {
    notice = { body: event.data?.text() ?? "" };
  }
  event.waitUntil(
    self.registration.showNotification(notice.title || "Venue Live", {
      body: notice.body || "",
      tag: notice.tag, // a newer notice about the same session replaces the older one
      renotify: Boolean(notice.tag),
      icon: "/static/favicon.svg",
      data: { url: notice.url || "/", seq: notice.seq },
    }),
  );
});

/** Show url in a window of ours: an open one if there is one, else a new one. */
async function openNoticeUrl(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (!same) return self.clients.openWindow(url);
  const shown = new URL(same.url).pathname === new URL(url).pathname ? same : await same.navigate(url);
  return (shown ?? same).focus().catch(() => undefined); // focus needs the tap's activation
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin);
  if (url.origin !== self.location.origin) return; // the server only ever sends its own paths
  event.waitUntil(openNoticeUrl(url.href));
});
