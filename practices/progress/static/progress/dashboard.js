/* Draws the progress charts with Chart.js from the same JSON as their tables. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palettes = {
    "commitment-status": ["#6b7280", "#b45309", "#15803d", "#0b3d6b", "#d5dbe3"],
    "missions-per-year": ["#0b3d6b", "#2f7fc1", "#9aa5b1"],
    "closure-rate": ["#0b3d6b", "#15803d", "#b45309"],
    "additional-actions": ["#0b3d6b"]
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1b1f24";
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var slug = canvas.getAttribute("data-chart");
    var source = document.getElementById(slug + "-data");
    if (!source) { return; }
    var config = JSON.parse(source.textContent);
    var colours = palettes[slug] || ["#0b3d6b"];
    var datasets = config.datasets.map(function (set, i) {
      var colour = colours[i % colours.length];
      return {
        label: set.label, data: set.data, backgroundColor: colour, borderColor: colour,
        borderWidth: config.kind === "line" ? 2 : 0, pointRadius: 3, tension: 0.2
      };
    });
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
      scales: {}
    };
    var type = "bar";
    if (config.kind === "stacked") {
      options.scales = { x: { stacked: true }, y: { stacked: true, beginAtZero: true } };
      if (slug === "commitment-status") {
        options.indexAxis = "y";
      }
    } else if (config.kind === "hbar") {
      options.indexAxis = "y";
      options.plugins.legend.display = false;
      options.scales = { x: { beginAtZero: true, ticks: { precision: 0 } } };
    } else if (config.kind === "line") {
      type = "line";
      // The closure rate is a percentage: it gets its own axis on the right.
      datasets[2].yAxisID = "rate";
      datasets[2].borderDash = [6, 4];
      options.scales = {
        y: { beginAtZero: true, title: { display: true, text: "Recommendations" } },
        rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                title: { display: true, text: "Closure rate %" } }
      };
    }
    new Chart(canvas, { type: type, data: { labels: config.labels, datasets: datasets }, options: options });
  });
})();
