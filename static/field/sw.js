// The field app's service worker: the app shell from a versioned cache, pages network-first.
// Area data is kept by the app itself in IndexedDB; /api/ requests pass straight through.
const VERSION = new URL(self.location).searchParams.get("v") || "dev";
const CACHE = `fieldapp-shell-${VERSION}`;
const MODULES = ["api", "app", "area", "contacts", "contracts", "day", "followup_form", "forms", "healthcheck", "identity", "nav", "referrals", "rules", "screening", "screens", "store", "sync", "ui"];
const ASSETS = [
  "/static/css/base.css",
  "/static/field/field.css",
  "/static/field/icons/icon-192.png",
  "/static/field/icons/icon-512.png",
  ...MODULES.map((name) => `/static/field/js/${name}.js`),
];
// Fetched from the network first (they change with the session or the catalogs), the cache when offline.
const PAGES = ["/field/", "/field/manifest.webmanifest", "/field/i18n.json?lang=zh", "/field/i18n.json?lang=en"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...ASSETS, ...PAGES].map((url) => new Request(url, { cache: "reload", credentials: "same-origin" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("fieldapp-shell-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

// On a weak signal the cached copy answers after this long; the network's answer still refreshes the cache.
const SLOW_NETWORK_MS = 3000;

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request).then(async (response) => {
    // A sign-in page reached by redirect is not the shell: never cache it in its place.
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  });
  const cached = await cache.match(key);
  if (!cached) return fromNetwork;
  const slow = new Promise((resolve) => setTimeout(() => resolve(cached), SLOW_NETWORK_MS));
  return Promise.race([fromNetwork.catch(() => cached), slow]);
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/field/")) {
    event.respondWith(networkFirst(request, "/field/"));
  } else if (PAGES.includes(url.pathname + url.search)) {
    event.respondWith(networkFirst(request, url.pathname + url.search));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
