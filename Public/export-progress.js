// Keeps an export's progress bars current while it runs: reads the progress JSON once a second and stops
// when the export has finished or failed. The page works without it (reload shows the same figures).
(function () {
  "use strict";
  var section = document.getElementById("export");
  if (!section || section.getAttribute("data-running") !== "true") return;
  var url = section.getAttribute("data-progress");

  function show(body) {
    var status = document.getElementById("export-status");
    status.textContent = body.label;
    status.className = "status " + (body.status === "done" ? "ok" : body.status === "failed" ? "bad" : "muted");
    var error = document.getElementById("export-error");
    error.textContent = body.error || "";
    error.hidden = !body.error;
    body.audiences.forEach(function (audience) {
      var bar = document.getElementById("progress-" + audience.field);
      if (bar) {
        bar.max = Math.max(body.total, 1);
        bar.value = Math.min(audience.handled, body.total);
        bar.textContent = audience.handled + " of " + body.total;
      }
      var figures = document.getElementById("figures-" + audience.field);
      if (figures) figures.textContent = audience.figures;
    });
    if (body.status !== "running") {
      var hint = document.getElementById("export-hint");
      if (hint) hint.hidden = true;
      section.setAttribute("data-running", "false");
    }
    return body.status === "running";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (!body || show(body)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
