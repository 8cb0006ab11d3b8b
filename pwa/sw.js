// Gần Dân service worker (a module). Served at /sw.js by app/platform/pwa.py, which fills in
// the constants below: the version (a hash of every static file, so a new release replaces the
// caches), the app shell by hashed file names, Firebase's public config when push is on, and
// the notification icon's hashed name.
/* firebase imports */
import { flush } from "/static/js/outbox.js";

const VERSION = "dev";
const SHELL = [];
const FIREBASE = null;
const ICON = "";

const STATIC_CACHE = `gandan-static-${VERSION}`;
const PAGE_CACHE = "gandan-pages";
const MEDIA_CACHE = "gandan-media";
const TILE_CACHE = "gandan-tiles";
const KEPT = [STATIC_CACHE, PAGE_CACHE, MEDIA_CACHE, TILE_CACHE];
// A weak phone's storage is small: map tiles beyond this many are dropped, oldest first.
const TILE_BUDGET = 400;
const MEDIA_BUDGET = 200;
// Pages a resident needs without signal; staff pages are never kept on the device.
const RESIDENT_PAGES = /^\/(|reports\/new|me\/|map|actions|offline|r\/[A-Za-z0-9-]+)$/;
const OFFLINE_PAGE = "/offline";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(SHELL);
    const pages = await caches.open(PAGE_CACHE);
    await pages.addAll([OFFLINE_PAGE, "/reports/new"]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (!KEPT.includes(key)) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function trim(cacheName, budget) {
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - budget))) await cache.delete(key);
}

// Pages: the network first, so a resident sees fresh news; the last copy without signal.
async function networkFirst(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const hit = await cache.match(request, { ignoreSearch: true });
    return hit || (await cache.match(OFFLINE_PAGE)) || Response.error();
  }
}

// Versioned static files never change under one address: the cache first.
async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}

// Photos and tiles: the copy at hand at once, refreshed behind it for next time.
async function staleWhileRevalidate(event, cacheName, budget) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(event.request);
  const refresh = fetch(event.request).then(async (response) => {
    if (response.ok || response.type === "opaque") {
      await cache.put(event.request, response.clone());
      await trim(cacheName, budget);
    }
    return response;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => undefined));
    return hit;
  }
  return refresh;
}

const TILE = /\/\d+\/\d+\/\d+(@2x)?\.(png|jpg|jpeg|webp)(\?.*)?$/;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) {
    if (TILE.test(url.pathname + url.search)) {
      event.respondWith(staleWhileRevalidate(event, TILE_CACHE, TILE_BUDGET));
    }
    return;
  }
  if (url.pathname.startsWith("/static/")) event.respondWith(cacheFirst(request));
  else if (url.pathname.startsWith("/media/")) {
    event.respondWith(staleWhileRevalidate(event, MEDIA_CACHE, MEDIA_BUDGET));
  } else if (request.mode === "navigate" && RESIDENT_PAGES.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(async () => (await caches.match(OFFLINE_PAGE)) || Response.error()));
  }
});

// Background Sync: reports queued without signal go out even when no page is open.
self.addEventListener("sync", (event) => {
  if (event.tag === "gandan-outbox") event.waitUntil(flush().then(announce));
});
self.addEventListener("message", (event) => {
  if (event.data === "flush-outbox") event.waitUntil(flush().then(announce));
});

async function announce(sent) {
  if (!sent.length) return;
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ outboxSent: sent });
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const link = (event.notification.data && event.notification.data.link) || "/me/";
  event.waitUntil(self.clients.openWindow(link));
});

if (FIREBASE) {
  const messaging = getMessaging(initializeApp(FIREBASE));
  onBackgroundMessage(messaging, (payload) => {
    const note = payload.notification || {};
    self.registration.showNotification(note.title || "Gần Dân", {
      body: note.body || "", icon: ICON, data: payload.data || {},
    });
  });
}
