// The user form: list only the villages of the chosen township (a user's villages must be
// its township's); villages of another township are unticked as they are hidden.
(function () {
  "use strict";
  var township = document.getElementById("u-township");
  if (!township) { return; }
  function show() {
    var labels = document.querySelectorAll("label[data-township]");
    for (var i = 0; i < labels.length; i++) {
      var mine = township.value !== "" && labels[i].getAttribute("data-township") === township.value;
      labels[i].hidden = !mine;
      if (!mine) { labels[i].querySelector("input").checked = false; }
    }
  }
  township.addEventListener("change", show);
  show();
})();
