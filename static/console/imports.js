// The import page: upload the file with a progress bar, then follow the run until it is done
// (a large file is imported by a job: its progress is read from GET /api/v1/imports/{id}).
(function () {
  "use strict";
  var POLL_MS = 1000;
  var ERRORS_SHOWN = 200;
  var form = document.getElementById("import-form");
  var status = document.getElementById("import-status");
  if (!form || !status) { return; }
  var bar = document.getElementById("import-progress");
  var phase = document.getElementById("import-phase");
  var report = document.getElementById("import-report");
  var table = document.getElementById("import-errors");
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");

  function text(name) { return status.getAttribute("data-" + name); }

  function errorRows(errors) {
    var rows = {};
    errors.forEach(function (e) { if (e.row !== null) { rows[e.row] = true; } });
    return Object.keys(rows).length;
  }

  function show(run) {
    bar.value = Math.round((run.progress || 0) * 100);
    ["rows", "created", "updated", "unchanged"].forEach(function (name) {
      status.querySelector("[data-count=" + name + "]").textContent = run[name];
    });
    status.querySelector("[data-count=errors]").textContent = errorRows(run.errors || []);
    var body = table.querySelector("tbody");
    body.textContent = "";
    (run.errors || []).slice(0, ERRORS_SHOWN).forEach(function (e) {
      var tr = document.createElement("tr");
      [e.row === null ? "" : e.row, e.column || "", e.message].forEach(function (value, i) {
        var td = document.createElement("td");
        if (i === 0) { td.className = "num"; }
        td.textContent = value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.hidden = !(run.errors && run.errors.length);
    if (run.status === "running") {
      phase.textContent = text("running") + " " + bar.value + "%";
      window.setTimeout(function () { poll(run.id); }, POLL_MS);
      return;
    }
    form.querySelector("button").disabled = false;
    phase.textContent = run.status === "failed" ? text("failed") : text(run.dry_run ? "dry-done" : "done");
    var withRows = (run.errors || []).some(function (e) { return e.row !== null; });
    report.hidden = !withRows;
    if (withRows) { report.querySelector("a").href = form.getAttribute("data-api") + "/" + run.id + "/errors.xlsx"; }
  }

  function fail(message) {
    form.querySelector("button").disabled = false;
    phase.textContent = message;
  }

  function answer(xhr) {
    var body = null;
    try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
    if (xhr.status >= 400 || !body) {
      var error = body && body.error;
      var detail = error && error.fields ? Object.keys(error.fields).map(function (k) { return error.fields[k].join("；"); }).join("；") : "";
      fail((error ? error.message : text("failed")) + (detail ? "：" + detail : ""));
      return;
    }
    show(body);
  }

  function poll(id) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", form.getAttribute("data-api") + "/" + id);
    xhr.onload = function () { answer(xhr); };
    xhr.onerror = function () { window.setTimeout(function () { poll(id); }, POLL_MS * 3); };
    xhr.send();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData();
    data.append("file", document.getElementById("import-file").files[0]);
    data.append("dry_run", document.getElementById("import-dry-run").checked ? "true" : "false");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-api"));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
    };
    xhr.onload = function () { answer(xhr); };
    xhr.onerror = function () { fail(text("failed")); };
    status.hidden = false;
    report.hidden = true;
    table.hidden = true;
    bar.value = 0;
    phase.textContent = text("uploading");
    form.querySelector("button").disabled = true;
    xhr.send(data);
  });
})();
