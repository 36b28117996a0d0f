// The rules pages' decision models: dmn-js (viewer) shows a deployed model, opens the chosen
// decision's table and highlights the rules that matched in a recorded decision.
// The bpmn.io watermark that the viewer adds stays visible (its licence requires it).
(function () {
  "use strict";

  function matchedIds(matched) {
    return Object.keys(matched).reduce(function (ids, decision) {
      return ids.concat(matched[decision]);
    }, []);
  }

  function highlight(figure, ids) {
    var canvas = figure.querySelector(".diagram-canvas");
    ids.forEach(function (id) {
      canvas.querySelectorAll('[data-row-id="' + CSS.escape(id) + '"]').forEach(function (cell) {
        cell.classList.add("dmn-matched");
        var row = cell.closest("tr");
        if (row) { row.classList.add("dmn-matched-row"); }
      });
    });
  }

  function viewOf(viewer, decision) {
    var views = viewer.getViews();
    var named = function (view) {
      return view.element && (view.element.id === decision || view.element.name === decision);
    };
    return views.filter(function (view) { return view.type === "decisionTable" && named(view); })[0] ||
      views.filter(named)[0];
  }

  function show(figure) {
    var viewer = new window.DmnJS({ container: figure.querySelector(".diagram-canvas") });
    var ids = matchedIds(JSON.parse(figure.dataset.matched || "{}"));
    var open = function (decision) {
      var view = decision ? viewOf(viewer, decision) : null;
      var opened = view ? viewer.open(view) : Promise.resolve();
      return opened.then(function () {
        highlight(figure, ids);
        figure.dataset.view = view ? view.element.id : "";
        figure.dataset.state = "shown";
      });
    };
    document.querySelectorAll(".show-decision").forEach(function (button) {
      button.addEventListener("click", function () {
        figure.dataset.state = "opening";
        open(button.dataset.decision);
      });
    });
    fetch(figure.dataset.xml, { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () { return open(figure.dataset.decision); })
      .catch(function () {
        figure.querySelector(".diagram-problem").hidden = false;
        figure.dataset.state = "failed";
      });
  }

  function start() {
    if (!window.DmnJS) { return; }
    document.querySelectorAll(".dmn-diagram").forEach(show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
