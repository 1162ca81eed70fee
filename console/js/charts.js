// Charts through Chart.js (Debian's libjs-chart.js, served at
// /console/vendor/chart.min.js as window.Chart). Labels and data are plain
// values; Chart.js draws on a canvas, so nothing is parsed as markup.
import { el } from "./ui.js";

const COLORS = ["#1f5f8b", "#d9822b", "#c23030", "#0f9960", "#7157d9", "#5c7080"];

// A chart in a titled box; returns {node, update(labels, series), destroy()}
// where series is [{label, data}], and update keeps the chart (live pages).
export function lineChart(title, { type = "line", unit = "", stacked = false } = {}) {
  const canvas = el("canvas", { role: "img", "aria-label": title });
  const node = el("figure", { class: "chart" }, el("figcaption", null, title), el("div", { class: "chart-box" }, canvas));
  let chart = null;
  const update = (labels, series) => {
    if (!window.Chart) {
      node.querySelector(".chart-box").replaceChildren(el("p", { class: "muted" },
        "Charts need libjs-chart.js on the control plane's machine."));
      return;
    }
    const datasets = series.map((s, i) => ({
      label: s.label, data: s.data, borderColor: COLORS[i % COLORS.length],
      backgroundColor: COLORS[i % COLORS.length] + (type === "bar" ? "cc" : "33"),
      borderWidth: 2, pointRadius: 0, tension: 0.2, fill: false,
    }));
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update("none");
      return;
    }
    chart = new window.Chart(canvas, {
      type,
      data: { labels, datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked, ticks: { maxTicksLimit: 8, autoSkip: true } },
          y: { stacked, beginAtZero: true, title: { display: Boolean(unit), text: unit } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  };
  const destroy = () => { if (chart) chart.destroy(); chart = null; };
  return { node, update, destroy };
}
