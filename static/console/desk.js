// Referral pages: a live countdown to each acknowledgement deadline; on the desk also a quiet
// refresh so a new referral shows up without anyone reloading (never while someone is typing).
(function () {
  "use strict";
  var REFRESH_MS = 30000;
  var SOON_MS = 5 * 60 * 1000;
  var holder = document.querySelector("[data-now]");
  if (!holder) { return; }
  // Server time minus browser time, so a wrong clock on the desk's PC does not lie.
  var skew = Date.parse(holder.getAttribute("data-now")) - Date.now();

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function format(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return (h ? h + ":" + two(m) : String(m)) + ":" + two(s);
  }

  function tick() {
    var now = Date.now() + skew;
    var clocks = document.querySelectorAll(".countdown[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var clock = clocks[i];
      var left = Date.parse(clock.getAttribute("data-deadline")) - now;
      clock.classList.toggle("late", left < 0);
      clock.classList.toggle("soon", left >= 0 && left < SOON_MS);
      clock.textContent = left < 0
        ? clock.getAttribute("data-late-text") + " " + format(left)
        : format(left) + " " + clock.getAttribute("data-left-text");
    }
  }

  function refreshWhenIdle() {
    var active = document.activeElement;
    var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT");
    if (!typing && !document.hidden) { window.location.reload(); }
  }

  tick();
  window.setInterval(tick, 1000);
  if (holder.hasAttribute("data-refresh")) { window.setInterval(refreshWhenIdle, REFRESH_MS); }
})();
