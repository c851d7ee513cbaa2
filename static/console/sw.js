// The console's service worker (scope /console/): shows the push notifications fieldapp sends
// ({title, body, url}) and opens the page they point to when tapped.
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = { body: event.data.text() }; }
  var title = data.title || "fieldapp";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    data: { url: data.url || "/console/" },
    tag: data.url || title,
    renotify: true,
    requireInteraction: true
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(target);
  }));
});
