// The journal's charts, drawn with TradingView's lightweight-charts (vendored under static/vendor/):
// - a trade's page: the market's candles over the trade (or, when the venue kept none from then,
//   a line through the trade's own fills), its fills as arrows, and its entry, stop, targets and
//   exit as price lines;
// - the analytics page: the equity curve, cumulative net P&L after each trade, green above 0 and
//   red below.
// The data comes from <script type="application/json"> blocks the server rendered (no inline code:
// the CSP allows none). Prices arrive as decimal strings and become numbers for drawing only.
// Times are UTC seconds and the axes read UTC, as the pages' own times do.
(function () {
  "use strict";

  const charts = window.LightweightCharts;
  const COLORS = { entry: "#2456d6", stop: "#b42318", target: "#117a45", exit: "#7a4bd1" };

  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function makeChart(element, note) {
    if (!charts) {
      if (note) note.textContent = "The chart could not be loaded; the numbers on the page are complete without it.";
      return null;
    }
    return charts.createChart(element, {
      autoSize: true,
      // The library's logo styles itself inline, which the CSP refuses; the page credits TradingView instead.
      layout: { background: { color: "#ffffff" }, textColor: "#626b7d", fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: "#f0f2f6" }, horzLines: { color: "#f0f2f6" } },
      rightPriceScale: { borderColor: "#dfe3ea" },
      timeScale: { borderColor: "#dfe3ea", timeVisible: true, secondsVisible: false },
      handleScroll: { vertTouchDrag: false },
    });
  }

  // lightweight-charts wants strictly increasing times: points in the same second move one second on.
  function increasing(points) {
    const out = [];
    for (const point of points) {
      const last = out[out.length - 1];
      out.push(last && point.time <= last.time ? { ...point, time: last.time + 1 } : point);
    }
    return out;
  }

  function decimals(values) {
    return Math.min(8, Math.max(0, ...values.map((v) => (String(v).split(".")[1] || "").length)));
  }

  function drawTrade(element) {
    const data = readJson("trade-chart-data");
    const note = element.parentElement.querySelector("[data-chart-note]");
    const chart = data && makeChart(element, note);
    if (!chart) return;
    // The axis shows the fills' own decimals (the venue's tick), not the averages' long tails.
    const precision = decimals(data.fills.length ? data.fills.map((f) => f.price) : data.lines.map((l) => l.price));
    const priceFormat = { type: "price", precision, minMove: 10 ** -precision };
    // The price scale reaches every line, so a stop or target the market never touched is still drawn.
    const levels = data.lines.map((l) => Number(l.price));
    const autoscaleInfoProvider = (original) => {
      const found = original();
      if (!found || !found.priceRange) return found;
      const range = found.priceRange;
      return {
        ...found,
        priceRange: { minValue: Math.min(range.minValue, ...levels), maxValue: Math.max(range.maxValue, ...levels) },
      };
    };
    let series;
    let snap = (time) => time;
    if (data.candles.length) {
      series = chart.addSeries(charts.CandlestickSeries, {
        upColor: "#117a45", downColor: "#b42318", borderVisible: false,
        wickUpColor: "#117a45", wickDownColor: "#b42318", priceFormat, autoscaleInfoProvider,
      });
      series.setData(data.candles.map((c) => ({
        time: c.time, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close),
      })));
      snap = (time) => time - (time % data.period);
    } else {
      series = chart.addSeries(charts.LineSeries, { color: "#626b7d", lineWidth: 2, priceFormat, autoscaleInfoProvider });
      series.setData(increasing(data.fills.map((f) => ({ time: f.time, value: Number(f.price) }))));
    }
    // On a phone the axis labels alone (coloured as the legend below the chart) leave room for
    // the candles; the titles beside them would cover the chart's right third.
    const narrow = window.matchMedia("(max-width: 30rem)").matches;
    for (const line of data.lines) {
      series.createPriceLine({
        price: Number(line.price),
        color: COLORS[line.kind] || "#626b7d",
        lineWidth: line.kind === "entry" || line.kind === "exit" ? 2 : 1,
        lineStyle: line.kind === "stop" || line.kind === "target" ? charts.LineStyle.Dashed : charts.LineStyle.Solid,
        axisLabelVisible: true,
        title: narrow ? "" : line.title,
      });
    }
    if (charts.createSeriesMarkers && data.fills.length) {
      const seen = new Set();
      const markers = [];
      for (const fill of data.fills) {
        const time = snap(fill.time);
        const key = `${time}:${fill.side}`;
        if (seen.has(key)) continue; // one arrow per bar and side
        seen.add(key);
        const buy = fill.side === "buy";
        markers.push({
          time,
          position: buy ? "belowBar" : "aboveBar",
          color: buy ? "#117a45" : "#b42318",
          shape: buy ? "arrowUp" : "arrowDown",
          text: `${buy ? "Buy" : "Sell"} ${fill.quantity}`,
        });
      }
      charts.createSeriesMarkers(series, markers.sort((a, b) => a.time - b.time));
    }
    chart.timeScale().fitContent();
    element.dataset.drawn = data.candles.length ? "candles" : "fills";
  }

  function drawEquity(element) {
    const points = readJson("equity-data") || [];
    const note = element.parentElement.querySelector("[data-chart-note]");
    const chart = makeChart(element, note);
    if (!chart) return;
    const series = chart.addSeries(charts.BaselineSeries, {
      baseValue: { type: "price", price: 0 },
      topLineColor: "#117a45", topFillColor1: "rgba(17, 122, 69, 0.28)", topFillColor2: "rgba(17, 122, 69, 0.04)",
      bottomLineColor: "#b42318", bottomFillColor1: "rgba(180, 35, 24, 0.04)", bottomFillColor2: "rgba(180, 35, 24, 0.28)",
      lineWidth: 2,
      priceFormat: { type: "price", precision: 2, minMove: 0.01 },
    });
    const data = points.map((p) => ({ time: Math.floor(Date.parse(p.time) / 1000), value: Number(p.value) }));
    // The curve starts at 0 just before the first trade, as the drawdown does.
    if (data.length) data.unshift({ time: data[0].time - 1, value: 0 });
    series.setData(increasing(data));
    chart.timeScale().fitContent();
    // The whole history stays in view when the box changes size (a phone turned, a window widened).
    if (window.ResizeObserver) new ResizeObserver(() => chart.timeScale().fitContent()).observe(element);
    element.dataset.drawn = String(points.length);
  }

  const trade = document.querySelector("[data-trade-chart]");
  if (trade) drawTrade(trade);
  const equity = document.querySelector("[data-equity-chart]");
  if (equity) drawEquity(equity);
})();
