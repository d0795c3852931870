// The console's service worker: a console page opened once keeps working
// when the network or the server is gone. Console pages and our static files
// are fetched from the network first and kept in a cache; when the fetch
// fails, the cached copy answers, so a reload offline shows the console,
// whose queue and draft live in the browser's storage. Nothing else (the
// live stream, the API, forms) goes through here.
"use strict";
const CACHE = "verbatim-console-v1";
const CONSOLE_PAGE = /^\/sessions\/[0-9a-f-]{36}\/$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

const cacheable = (request, url) =>
  request.method === "GET" && url.origin === self.location.origin &&
  (url.pathname.startsWith("/static/") || (CONSOLE_PAGE.test(url.pathname) && !url.search));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (!cacheable(event.request, url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok && !response.redirected) {
        await cache.put(event.request, response.clone());
      } else if (response.status >= 500) {
        // the server answers but cannot reach the record for a moment (a 503): as when offline
        const cached = await cache.match(event.request, { ignoreVary: true });
        if (cached) return cached;
      } else if (CONSOLE_PAGE.test(url.pathname)) {
        await caches.delete(CACHE);   // signed out, or no longer a member: keep no copy of any console
      }
      return response;
    } catch (error) {
      const cached = await cache.match(event.request, { ignoreVary: true });
      if (cached) return cached;
      throw error;
    }
  })());
});

// The page asks for itself and its assets to be kept, since the page's own
// first load happened before this worker controlled it.
self.addEventListener("message", (event) => {
  const urls = event.data && event.data.keep;
  if (!Array.isArray(urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const raw of urls) {
      const url = new URL(raw, self.location.origin);
      if (!cacheable({ method: "GET" }, url)) continue;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok && !response.redirected) await cache.put(url, response);
      } catch { /* offline now: kept at the next visit */ }
    }
  })());
});
