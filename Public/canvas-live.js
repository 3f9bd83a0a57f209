// Keeps a canvas page's figures current: every few seconds reads the canvas's figures JSON (data-live on the
// journey) and writes each figure into the page in place — texts by element id (into the <dd> of a figure), hidden
// flags (the retry control shows only while a step has errored users), the badges' classes. The page works
// without it: a reload shows the same figures.
(function () {
  "use strict";
  var journey = document.querySelector("[data-live]");
  if (!journey || !window.fetch) return;
  var url = journey.getAttribute("data-live");
  var every = 3000;

  function each(object, apply) {
    Object.keys(object || {}).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) apply(element, object[id]);
    });
  }

  function show(body) {
    each(body.texts, function (element, text) {
      var target = element.querySelector("dd") || element;
      if (target.textContent !== text) target.textContent = text;
    });
    each(body.hidden, function (element, hidden) { element.hidden = hidden; });
    each(body.classes, function (element, name) { element.className = name; });
    journey.setAttribute("data-updated", String(Date.now()));
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, every); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) show(body); setTimeout(poll, every); })
      .catch(function () { setTimeout(poll, every * 3); });
  }
  setTimeout(poll, every);
})();
