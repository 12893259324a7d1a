// Renders the charts of a page with uPlot (served by this site; no CDN). Plot specifications come from
// <script type="application/json" class="plot-data"> blocks written by the server:
//   {plots: [{id, title, xLabel, yLabel, yRange?, x: [...], series: [{label, style, y: [...], of?}], bands?: [[hi, lo]]}]}
// style: "line", "linepoints", "points" (scatter), "bound" (a confidence bound of series `of`, drawn faint and filled).
// Labels are set with textContent by uPlot, so names from the database are never parsed as HTML.
(function () {
  "use strict";
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf"];

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  function render(container, spec) {
    var box = document.createElement("div");
    box.className = "plot";
    box.id = "plot-" + spec.id;
    box.setAttribute("data-plot", spec.id);
    container.appendChild(box);
    // two charts side by side on a wide page, one otherwise
    var avail = container.clientWidth || 900;
    var width = avail >= 1000 ? Math.floor((avail - 80) / 2) : Math.max(320, avail - 30);
    var colorOf = [];
    var main = 0;
    var series = [{label: spec.xLabel}];
    spec.series.forEach(function (s, i) {
      var color;
      if (s.style === "bound") {
        color = colorOf[s.of];
      } else {
        color = PALETTE[main % PALETTE.length];
        main++;
      }
      colorOf[i] = color;
      var u = {label: s.label, stroke: color, width: 2, spanGaps: true};
      if (s.style === "points") {
        u.paths = function () { return null; };
        u.points = {show: true, size: 9, fill: color};
      } else if (s.style === "linepoints") {
        u.points = {show: true, size: 7, fill: color};
      } else if (s.style === "bound") {
        u.stroke = alpha(color, 0.35);
        u.width = 1;
        u.points = {show: false};
        u.show = true;
      } else {
        u.points = {show: false};
      }
      series.push(u);
    });
    var data = [spec.x].concat(spec.series.map(function (s) { return s.y; }));
    var bands = (spec.bands || []).map(function (b) {
      return {series: [b[0], b[1]], fill: alpha(colorOf[b[0] - 1] || "#888888", 0.15)};
    });
    var xScale = {time: false};
    var scatter = spec.series.length > 0 && spec.series.every(function (s) { return s.style === "points"; });
    if (scatter && spec.x.length > 0) {
      // scatter plots: pad the x range so points at the ends are not cut by the frame
      var lo = Math.min.apply(null, spec.x), hi = Math.max.apply(null, spec.x);
      var pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1);
      xScale.range = [lo - pad, hi + pad];
    }
    var opts = {
      title: spec.title,
      width: width,
      height: 320,
      scales: {x: xScale, y: spec.yRange ? {range: spec.yRange} : {}},
      axes: [{label: spec.xLabel}, {label: spec.yLabel}],
      series: series,
      bands: bands,
      legend: {live: true}
    };
    // eslint-disable-next-line no-undef
    var plot = new uPlot(opts, data, box);
    // confidence bounds are drawn (and filled as a band) but kept out of the legend
    var rows = plot.root.querySelectorAll(".u-legend .u-series");
    spec.series.forEach(function (s, i) {
      if (s.style === "bound" && rows[i + 1]) rows[i + 1].style.display = "none";
    });
    box.setAttribute("data-rendered", "1");
  }

  function start() {
    var blocks = document.querySelectorAll("div.plots[data-plots]");
    for (var i = 0; i < blocks.length; i++) {
      var container = blocks[i];
      var src = document.getElementById(container.getAttribute("data-plots"));
      if (!src) continue;
      var spec;
      try {
        spec = JSON.parse(src.textContent);
      } catch (e) {
        container.textContent = "plot data unreadable: " + e.message;
        container.setAttribute("data-error", "1");
        continue;
      }
      (spec.plots || []).forEach(function (p) {
        try {
          render(container, p);
        } catch (e) {
          var err = document.createElement("p");
          err.className = "plot-error";
          err.textContent = "could not draw " + p.title + ": " + e.message;
          container.appendChild(err);
          container.setAttribute("data-error", "1");
        }
      });
      container.setAttribute("data-done", "1");
    }
  }

  if (typeof uPlot === "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      var blocks = document.querySelectorAll("div.plots[data-plots]");
      for (var i = 0; i < blocks.length; i++) {
        blocks[i].textContent = "the chart library did not load";
        blocks[i].setAttribute("data-error", "1");
      }
    });
    return;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
