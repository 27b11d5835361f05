// A CEX_CAPITAL job's snapshot history: the reported value (USDC) of each attested snapshot over
// time, drawn with TradingView's lightweight-charts (vendored under static/vendor/).
// The points come from the <script type="application/json" id="snapshot-chart-data"> block the
// server rendered (no inline code: the CSP allows none): UTC seconds and decimal strings, which
// become numbers for drawing only; the exact values are in the table below the chart.
(function () {
  "use strict";

  const charts = window.LightweightCharts;
  const element = document.querySelector("[data-snapshot-chart]");
  const source = document.getElementById("snapshot-chart-data");
  if (!element || !source) return;
  const note = element.parentElement.querySelector("[data-chart-note]");
  if (!charts) {
    if (note) note.textContent = "The chart could not be loaded; the snapshots below are complete without it.";
    return;
  }
  const points = JSON.parse(source.textContent);

  const amount = (value) => value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const chart = charts.createChart(element, {
    autoSize: true,
    // The library's logo styles itself inline, which the CSP refuses; the page credits TradingView instead.
    layout: { background: { color: "#ffffff" }, textColor: "#626b7d", fontSize: 11, attributionLogo: false },
    grid: { vertLines: { color: "#f0f2f6" }, horzLines: { color: "#f0f2f6" } },
    rightPriceScale: { borderColor: "#dfe3ea" },
    timeScale: { borderColor: "#dfe3ea", timeVisible: true, secondsVisible: false },
    // Plain amounts on the axis (a unit on every tick takes a phone's width); the series' title
    // puts "USDC" on the axis beside the latest value, and the caption above says it too.
    localization: { priceFormatter: amount },
    handleScroll: { vertTouchDrag: false },
  });
  const series = chart.addSeries(charts.LineSeries, {
    color: "#2456d6",
    lineWidth: 2,
    // One snapshot is still a visible point, not an invisible zero-length line.
    pointMarkersVisible: true,
    title: "USDC",
    priceFormat: { type: "price", precision: 2, minMove: 0.01 },
  });
  // lightweight-charts wants strictly increasing times: snapshots in the same second move one on.
  const data = [];
  for (const point of points) {
    const last = data[data.length - 1];
    const time = last && point.time <= last.time ? last.time + 1 : point.time;
    data.push({ time, value: Number(point.value) });
  }
  series.setData(data);
  chart.timeScale().fitContent();
  // The whole history stays in view when the box changes size (a phone turned, a window widened).
  if (window.ResizeObserver) new ResizeObserver(() => chart.timeScale().fitContent()).observe(element);
  element.dataset.drawn = String(points.length);
})();
