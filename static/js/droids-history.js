// A droid's history chart, drawn with TradingView's lightweight-charts (vendored under static/vendor/):
// the value of its positions (AUM, USD) on the right axis against the fees it has earned (USD) on the
// left, so a trader sees whether the fees pay for what the positions lose. The points come from the
// <script type="application/json"> block the server rendered (the CSP allows no inline code); values
// arrive as decimal strings and become numbers for drawing only. Times are UTC seconds.
(function () {
  "use strict";

  const charts = window.LightweightCharts;

  function increasing(points) {
    const out = [];
    for (const point of points) {
      const last = out[out.length - 1];
      out.push(last && point.time <= last.time ? { ...point, time: last.time + 1 } : point);
    }
    return out;
  }

  function draw(element) {
    const dataElement = document.getElementById("droid-chart-data");
    const note = element.parentElement.querySelector("[data-chart-note]");
    if (!dataElement) return;
    if (!charts) {
      note.textContent = "The chart could not be loaded; the table below has the latest numbers.";
      return;
    }
    const data = JSON.parse(dataElement.textContent);
    const chart = charts.createChart(element, {
      autoSize: true,
      // The library's logo styles itself inline, which the CSP refuses; the page credits TradingView instead.
      layout: { background: { color: "#ffffff" }, textColor: "#626b7d", fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: "#f0f2f6" }, horzLines: { color: "#f0f2f6" } },
      leftPriceScale: { visible: true, borderColor: "#dfe3ea" },
      rightPriceScale: { visible: true, borderColor: "#dfe3ea" },
      timeScale: { borderColor: "#dfe3ea", timeVisible: true, secondsVisible: false },
      handleScroll: { vertTouchDrag: false },
    });
    const usd = { type: "price", precision: 2, minMove: 0.01 };
    const aum = chart.addSeries(charts.LineSeries, { color: "#2456d6", lineWidth: 2, priceFormat: usd, priceScaleId: "right", title: "Value" });
    // Fees earned never go below zero: the left axis starts at 0 instead of centring a flat line on it.
    const fromZero = (original) => {
      const found = original();
      if (!found || !found.priceRange) return found;
      return { ...found, priceRange: { minValue: 0, maxValue: Math.max(found.priceRange.maxValue, 1) } };
    };
    const fees = chart.addSeries(charts.LineSeries, {
      color: "#117a45", lineWidth: 2, priceFormat: usd, priceScaleId: "left", title: "Fees", autoscaleInfoProvider: fromZero,
    });
    aum.setData(increasing(data.points.map((p) => ({ time: p.time, value: Number(p.aum) }))));
    fees.setData(increasing(data.points.map((p) => ({ time: p.time, value: Number(p.fees) }))));
    if (data.points.length === 1) note.textContent = "One record so far: the lines grow with every run.";
    chart.timeScale().fitContent();
    element.dataset.drawn = String(data.points.length);
  }

  function start() {
    const element = document.querySelector("[data-droid-chart]");
    if (element) draw(element);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
