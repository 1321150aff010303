/* Draws the dashboards' charts from the specs the page embeds with
   json_script (see metrics/dashboard.py). No data is fetched: the tables
   beside each chart hold the same figures for readers without a canvas. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#3e4c59";
  Chart.defaults.maintainAspectRatio = false;

  function dataset(ds, spec) {
    var line = ds.kind === "line" || (spec.type === "line" && ds.kind !== "bar");
    var out = {
      type: line ? "line" : "bar",
      label: ds.label,
      data: ds.data,
      borderColor: ds.color,
      backgroundColor: line ? ds.color : ds.color + "cc",
      borderWidth: line ? 2 : 0,
      spanGaps: true,
      tension: 0.2,
      pointRadius: ds.reference ? 0 : 3,
      yAxisID: ds.axis || "y",
      order: ds.reference ? 0 : 1
    };
    if (ds.reference) {
      out.borderDash = [6, 4];
      out.borderWidth = 1.5;
      out.fill = false;
      out.pointHitRadius = 0;
      out.stack = "reference";
    }
    return out;
  }

  function config(spec) {
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      stacked: spec.stacked,
      ticks: spec.percent ? { callback: function (v) { return v + "%"; } } : { precision: 0 }
    };
    if (spec.percent) scales[valueAxis].max = 100;
    scales[spec.horizontal ? "y" : "x"] = { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 45 } };
    var hasY1 = spec.datasets.some(function (ds) { return ds.axis === "y1"; });
    if (hasY1) {
      scales.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    title: { display: true, text: spec.y1Title } };
    }
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (ds) { return dataset(ds, spec); }) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          // Data first, the dashed reference lines last (they are listed last).
          legend: {
            position: "bottom",
            labels: { boxWidth: 12, sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } }
          },
          tooltip: {
            callbacks: {
              label: function (item) {
                var v = item.parsed[valueAxis];
                if (v === null || v === undefined) return item.dataset.label + ": —";
                var pct = spec.percent && item.dataset.yAxisID !== "y1";
                return item.dataset.label + ": " + (pct ? v.toFixed(1) + "%" : v.toLocaleString());
              }
            }
          }
        }
      }
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var script = document.getElementById(canvas.dataset.chart);
    if (!script) return;
    new Chart(canvas, config(JSON.parse(script.textContent)));
  });
})();
