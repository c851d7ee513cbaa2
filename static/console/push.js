// "Enable notifications": register the console's service worker and subscribe this browser to
// Web Push, so the referral desk hears of an emergency even with the page closed.
(function () {
  "use strict";
  var box = document.getElementById("push-control");
  if (!box) { return; }
  var button = document.getElementById("enable-push");
  var status = document.getElementById("push-status");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function say(key) { status.textContent = box.getAttribute("data-text-" + key); }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function send(subscription) {
    var json = subscription.toJSON();
    return fetch(box.getAttribute("data-subscribe-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } })
    }).then(function (response) {
      if (!response.ok) { throw new Error("subscription refused: " + response.status); }
    });
  }

  function subscribe(registration) {
    return fetch(box.getAttribute("data-key-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(body.key) });
      })
      .then(send);
  }

  function enable() {
    button.disabled = true;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") { throw new Error("denied"); }
        return navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: box.getAttribute("data-scope") });
      })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(subscribe)
      .then(function () { button.hidden = true; say("on"); })
      .catch(function (error) {
        button.disabled = false;
        say(error.message === "denied" ? "denied" : "failed");
      });
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }
  if (Notification.permission === "denied") { say("denied"); return; }
  navigator.serviceWorker.getRegistration(box.getAttribute("data-scope"))
    .then(function (registration) { return registration ? registration.pushManager.getSubscription() : null; })
    .then(function (subscription) {
      if (subscription && Notification.permission === "granted") {
        // Send it again: the server may have dropped it, and the call is idempotent by endpoint.
        return send(subscription).then(function () { say("on"); });
      }
      button.hidden = false;
      button.addEventListener("click", enable);
    })
    .catch(function () { button.hidden = false; button.addEventListener("click", enable); });
})();
