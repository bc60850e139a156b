// Served at /sw.js (Cache-Control: no-cache). The server fills in the version and the shell list.
/* global Outbox */
importScripts("/static/js/outbox.js");
var CACHE = "fieldapp-shell-__VERSION__";
var SHELL = ["__SHELL__"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (u) { return new Request(u, { cache: "reload" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

// Old shells go; the outbox lives in IndexedDB, so an update never touches it.
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("fieldapp-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate") {
    // Network first; HTML with a user's data is never stored. Offline, the shell takes over.
    event.respondWith(fetch(request).catch(function () {
      return caches.match(url.pathname === "/offline" ? "/offline" : "/app", { cacheName: CACHE })
        .then(function (r) { return r || caches.match("/offline", { cacheName: CACHE }); });
    }));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then(function (hit) {
    return hit || fetch(request);
  }));
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    event.waitUntil(Outbox.sync().then(function (r) {
      if (r.state === "offline") throw new Error("offline");  // the browser retries later
    }));
  }
});
