// Keeps an import's progress bar current while it runs: reads the progress JSON once a second and stops when the
// import has finished or failed. The page works without it (reload shows the same figures).
(function () {
  "use strict";
  var section = document.getElementById("import");
  if (!section || section.getAttribute("data-running") !== "true") return;
  var url = section.getAttribute("data-progress");

  function show(body) {
    var status = document.getElementById("import-status");
    status.textContent = body.label;
    status.className = "status " + (body.status === "done" ? "ok" : body.status === "failed" ? "bad" : "muted");
    var bar = document.getElementById("import-progress");
    bar.value = body.percent;
    bar.textContent = body.percent + " %";
    document.getElementById("import-counts").textContent = body.counts;
    document.getElementById("import-rejects").hidden = body.rejected === 0;
    var error = document.getElementById("import-error");
    error.textContent = body.error || "";
    error.hidden = !body.error;
    if (body.status !== "running") {
      var hint = document.getElementById("import-hint");
      if (hint) hint.hidden = true;
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
