// Analytics: draws the charts of the analytics pages from its data attributes (Chart.js).
// The same figures stand in the tables below each chart, for readers without the picture.
(function () {
  "use strict";
  const COLOURS = ["#1f5f99", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#4b5563"];

  function colour(index) {
    return COLOURS[index % COLOURS.length];
  }

  function perKey(series, keys) {
    return keys.map(function (key, index) {
      return {label: key, data: series[key] || [], borderColor: colour(index), backgroundColor: colour(index), tension: 0.2};
    });
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas && window.Chart) {
      config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, config.options || {});
      new window.Chart(canvas, config);
    }
  }

  function drawAll() {
    const holder = document.getElementById("analytics-data");
    if (!holder) {
      return;
    }
    const data = JSON.parse(holder.dataset.chart);
    const labels = holder.dataset;
    if (data.counts) {  // cases per status: stacked bars per week end
      draw("chart-statuses", {
        type: "bar",
        data: {labels: data.weeks, datasets: Object.keys(data.counts).map(function (status, index) {
          return {label: status, data: data.counts[status], backgroundColor: colour(index)};
        })},
        options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}},
      });
      return;
    }
    draw("chart-cycle", {
      type: "bar",
      data: {labels: data.keys, datasets: [
        {label: labels.labelP50, data: data.cycle_p50_hours, backgroundColor: colour(0)},
        {label: labels.labelP90, data: data.cycle_p90_hours, backgroundColor: colour(1)},
      ]},
    });
    const shareNames = ["delegated", "rejected", "escalated", "forwarded"];
    draw("chart-shares", {
      type: "bar",
      data: {labels: data.keys, datasets: shareNames.map(function (name, index) {
        const label = labels["label" + name.charAt(0).toUpperCase() + name.slice(1)];
        return {label: label, data: data.shares[name], backgroundColor: colour(index + 2)};
      })},
      options: {scales: {y: {beginAtZero: true, max: 100}}},
    });
    draw("chart-created", {type: "line", data: {labels: data.weeks, datasets: perKey(data.created, data.keys)}});
    draw("chart-missed", {type: "line", data: {labels: data.weeks, datasets: perKey(data.deadlines_missed, data.keys)}});
  }

  document.addEventListener("DOMContentLoaded", drawAll);
})();
