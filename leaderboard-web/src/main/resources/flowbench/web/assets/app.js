// Renders the charts of a page with uPlot (served by this site; no CDN). Plot specifications come from
// <script type="application/json" class="plot-data"> blocks written by the server:
//   {plots: [{id, title, xLabel, yLabel, yRange?, logX?, x: [...], series: [{label, style, y: [...], of?}],
//             bands?: [[hi, lo]]}]}
// style: "line", "linepoints", "points" (scatter), "bound" (a confidence bound of series `of`: drawn faint and filled
// along a line, as a whisker through each of a "points" series' points). logX: a log-10 x axis (every x > 0).
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
    // a bound of a scatter series has one value per point, nothing to draw a line along: it is drawn as a whisker
    var whiskers = {}; // uPlot index of a "points" series -> uPlot indices of its bounds
    spec.series.forEach(function (s, i) {
      var of = spec.series[s.of];
      if (s.style === "bound" && of && of.style === "points") (whiskers[s.of + 1] = whiskers[s.of + 1] || []).push(i + 1);
    });
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
        if (whiskers[s.of + 1]) u.paths = function () { return null; };
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
    var shown = spec.series.filter(function (s) { return s.style !== "bound"; });
    var scatter = shown.length > 0 && shown.every(function (s) { return s.style === "points"; });
    var lo = Math.min.apply(null, spec.x), hi = Math.max.apply(null, spec.x);
    if (spec.logX && spec.x.length > 0) {
      xScale.distr = 3;
      xScale.log = 10;
      // uPlot widens a log range to whole powers of 10 (a count just over 100,000 stretches the axis to 1,000,000);
      // this keeps the data's span, padded a little, with ends on a multiple of their own power of 10 because the
      // ticks count from the range's start
      var mag = function (v) { return Math.pow(10, Math.floor(Math.log10(v))); };
      var a = lo / 1.1, b = hi * 1.1;
      xScale.range = [Math.floor(a / mag(a)) * mag(a), Math.ceil(b / mag(b)) * mag(b)];
    } else if (scatter && spec.x.length > 0) {
      // scatter plots: pad the x range so points at the ends are not cut by the frame
      var pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1);
      xScale.range = [lo - pad, hi + pad];
    }
    function drawWhiskers(u) {
      var ctx = u.ctx;
      var px = uPlot.pxRatio || 1; // eslint-disable-line no-undef
      ctx.save();
      ctx.lineWidth = 1.5 * px;
      Object.keys(whiskers).forEach(function (k) {
        var p = +k, bounds = whiskers[k];
        if (bounds.length !== 2 || !u.series[p].show) return;
        ctx.strokeStyle = colorOf[p - 1];
        for (var j = 0; j < u.data[0].length; j++) {
          var y = u.data[p][j], one = u.data[bounds[0]][j], other = u.data[bounds[1]][j];
          if (y == null || one == null || other == null) continue;
          var x = u.valToPos(u.data[0][j], "x", true), top = u.valToPos(one, "y", true), bottom = u.valToPos(other, "y", true);
          var cap = 4 * px;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.moveTo(x - cap, top);
          ctx.lineTo(x + cap, top);
          ctx.moveTo(x - cap, bottom);
          ctx.lineTo(x + cap, bottom);
          ctx.stroke();
        }
      });
      ctx.restore();
    }
    var opts = {
      title: spec.title,
      width: width,
      height: 320,
      scales: {x: xScale, y: spec.yRange ? {range: spec.yRange} : {}},
      axes: [{label: spec.xLabel}, {label: spec.yLabel}],
      series: series,
      bands: bands,
      legend: {live: true},
      hooks: {draw: [drawWhiskers]}
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
