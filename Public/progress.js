// Keeps a background job's page current while it runs (segment exports, CSV imports): reads the job's progress
// JSON once a second and applies it — texts by element id, hidden flags, progress bars, the status's class — and
// stops once the job has finished or failed. The page works without it: a reload shows the same figures.
(function () {
  "use strict";
  var section = document.querySelector("[data-progress]");
  if (!section || section.getAttribute("data-running") !== "true") return;
  var url = section.getAttribute("data-progress");

  function each(object, apply) {
    Object.keys(object || {}).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) apply(element, object[id]);
    });
  }

  function show(body) {
    each(body.texts, function (element, text) { element.textContent = text; });
    each(body.hidden, function (element, hidden) { element.hidden = hidden; });
    (body.bars || []).forEach(function (bar) {
      var element = document.getElementById(bar.id);
      if (!element) return;
      element.max = bar.max;
      element.value = bar.value;
      element.textContent = bar.value + " of " + bar.max;
    });
    var status = section.querySelector("[data-status]");
    if (status) status.className = "status " + body.statusClass;
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
