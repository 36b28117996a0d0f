// The process cockpit's diagrams: bpmn-js (viewer) shows the deployed model; the page's marks
// colour the elements with tokens, open incidents and the path taken, with counts as badges.
// The bpmn.io watermark that the viewer adds stays visible (its licence requires it).
(function () {
  "use strict";

  function badge(text, kind, title) {
    var element = document.createElement("span");
    element.className = "diagram-badge diagram-badge-" + kind;
    element.textContent = text;
    element.title = title;
    return element;
  }

  function mark(viewer, marks, figure) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    var known = function (id) { return registry.get(id) !== undefined; };
    (marks.completed || []).filter(known).forEach(function (id) {
      canvas.addMarker(id, "kontor-completed");
    });
    Object.keys(marks.active || {}).filter(known).forEach(function (id) {
      canvas.addMarker(id, "kontor-active");
      overlays.add(id, "kontor-count", {
        position: { bottom: 12, left: -8 },
        html: badge(String(marks.active[id]), "active", figure.dataset.activeTitle || "")
      });
    });
    Object.keys(marks.incidents || {}).filter(known).forEach(function (id) {
      canvas.addMarker(id, "kontor-incident");
      overlays.add(id, "kontor-count", {
        position: { bottom: 12, right: 8 },
        html: badge(String(marks.incidents[id]), "incident", figure.dataset.incidentTitle || "")
      });
    });
  }

  // a click on an element of the diagram chooses it in the page's picker (token modification)
  var lastPicker = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("select.diagram-pick")) {
      lastPicker = event.target;
    }
  });

  function pickOnClick(viewer, figure) {
    if (!document.querySelector("select.diagram-pick")) { return; }
    figure.classList.add("pickable");
    viewer.on("element.click", function (event) {
      var picker = lastPicker || document.querySelector("select.diagram-pick");
      var id = event.element && event.element.id;
      var offered = Array.prototype.some.call(picker.options, function (option) {
        return option.value === id;
      });
      if (!offered) { return; }
      picker.value = id;
      picker.dispatchEvent(new Event("change", { bubbles: true }));
      var canvas = viewer.get("canvas");
      if (figure.dataset.picked) { canvas.removeMarker(figure.dataset.picked, "kontor-picked"); }
      canvas.addMarker(id, "kontor-picked");
      figure.dataset.picked = id;
    });
  }

  function show(figure) {
    var marks = JSON.parse(figure.dataset.marks || "{}");
    var container = figure.querySelector(".diagram-canvas");
    var viewer = new window.BpmnJS({ container: container });
    fetch(figure.dataset.xml, { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        mark(viewer, marks, figure);
        pickOnClick(viewer, figure);
        figure.dataset.state = "shown";
      })
      .catch(function () {
        figure.querySelector(".diagram-problem").hidden = false;
        figure.dataset.state = "failed";
      });
  }

  function start() {
    if (!window.BpmnJS) { return; }
    document.querySelectorAll(".bpmn-diagram").forEach(show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
