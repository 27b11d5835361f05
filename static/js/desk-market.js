// The ticket's market card: the live price and available balance, and a candle chart
// (TradingView's lightweight-charts, vendored under static/vendor/). History comes from
// `/trade/candles`; the `ticker.<SYMBOL>` stream moves the price and the last candle, the
// user's `balance.<id>` stream the balance. Picking another symbol reloads all three without
// reloading the form; picking another account reloads the page for that account's markets.
//
// Prices arrive as decimal strings and are shown as they arrive; the chart needs numbers, so
// it gets JS numbers (for drawing only).
(() => {
  "use strict";

  const card = document.querySelector("[data-market]");
  const form = document.querySelector("form[data-ticket]");
  const hub = window.HavenCapTrading?.hub;
  if (!card || !hub) return;
  const FILL_WIDTH_FROM_BARS = 40;

  const state = {
    account: card.dataset.accountId,
    symbol: card.dataset.symbol,
    quote: card.dataset.quote,
    priceStep: card.dataset.priceStep,
    last: null, // the last candle drawn: { time, open, high, low, close } in chart time
    lastPrice: null,
  };
  window.HavenCapDesk = { state, chart: null, series: null, bars: 0, ticks: 0 };

  const priceEl = card.querySelector("[data-market-price]");
  const balanceEl = card.querySelector("[data-market-balance]");
  const note = card.querySelector("[data-chart-note]");
  const chartEl = card.querySelector("[data-chart]");
  const plain = window.HavenCapTrading.plainAmount;
  // lightweight-charts draws times as UTC: shift them so the axis reads the trader's clock.
  const offset = -new Date().getTimezoneOffset() * 60;
  const MINUTE = 60;

  function decimals(step) {
    if (!step) return 2;
    const text = plain(step);
    return text.includes(".") ? text.split(".")[1].length : 0;
  }

  // --- the chart ------------------------------------------------------------------------------
  let chart = null;
  let series = null;

  function priceFormat() {
    const precision = decimals(state.priceStep);
    return { type: "price", precision, minMove: Number(state.priceStep) || 10 ** -precision };
  }

  function makeChart() {
    const charts = window.LightweightCharts;
    if (!charts || !chartEl) {
      if (note) note.textContent = "The chart could not be loaded; the price above still follows the market.";
      return;
    }
    chart = charts.createChart(chartEl, {
      autoSize: true,
      // The library's own logo styles itself with an inline <style>, which the CSP refuses; the
      // page credits TradingView under the chart instead, as the library's licence asks.
      layout: { background: { color: "#ffffff" }, textColor: "#626b7d", fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: "#f0f2f6" }, horzLines: { color: "#f0f2f6" } },
      rightPriceScale: { borderColor: "#dfe3ea" },
      timeScale: { borderColor: "#dfe3ea", timeVisible: true, secondsVisible: false, barSpacing: 10, rightOffset: 4 },
      crosshair: { mode: charts.CrosshairMode ? charts.CrosshairMode.Normal : 0 },
    });
    series = chart.addSeries(charts.CandlestickSeries, {
      upColor: "#117a45",
      downColor: "#b42318",
      borderVisible: false,
      wickUpColor: "#117a45",
      wickDownColor: "#b42318",
      priceFormat: priceFormat(),
    });
    window.HavenCapDesk.chart = chart;
    window.HavenCapDesk.series = series;
  }

  function bar(candle) {
    return {
      time: candle.time + offset,
      open: Number(candle.open),
      high: Number(candle.high),
      low: Number(candle.low),
      close: Number(candle.close),
    };
  }

  let loading = 0;
  async function loadCandles() {
    if (!series) return;
    const mine = ++loading;
    const query = new URLSearchParams({ account: state.account, symbol: state.symbol, timeframe: "1m", limit: "120" });
    let body;
    try {
      const response = await fetch(`${card.dataset.candlesUrl}?${query}`, { credentials: "same-origin" });
      body = await response.json();
      if (!response.ok) throw new Error(body?.error?.message || `the server answered ${response.status}`);
    } catch (error) {
      if (mine === loading && note) note.textContent = `No price history: ${error.message}`;
      return;
    }
    if (mine !== loading) return; // another symbol was picked meanwhile
    const bars = body.candles.map(bar);
    series.setData(bars);
    state.last = bars.length ? { ...bars[bars.length - 1] } : null;
    window.HavenCapDesk.bars = bars.length;
    // A young market has a few candles: stretched to the full width they read as a wall of
    // colour, so they keep their width and stand at the right until there are enough to fill it.
    if (bars.length >= FILL_WIDTH_FROM_BARS) chart.timeScale().fitContent();
    else chart.timeScale().scrollToRealTime();
    if (note) {
      note.textContent = body.collecting
        ? "Collecting prices: the chart starts at the current price and fills in a candle a minute as the market moves."
        : "";
    }
    chartEl.setAttribute("aria-label", `${state.symbol} price, one-minute candles`);
  }

  function extend(price, atMs) {
    if (!series) return;
    const value = Number(price);
    if (!Number.isFinite(value)) return;
    const time = Math.floor((atMs || Date.now()) / 1000 / MINUTE) * MINUTE + offset;
    const last = state.last;
    if (last && time < last.time) return; // an old event: the chart has moved on
    if (last && time === last.time) {
      last.high = Math.max(last.high, value);
      last.low = Math.min(last.low, value);
      last.close = value;
    } else {
      state.last = { time, open: last ? last.close : value, high: value, low: value, close: value };
      state.last.high = Math.max(state.last.high, state.last.open);
      state.last.low = Math.min(state.last.low, state.last.open);
      window.HavenCapDesk.bars += 1;
    }
    series.update({ ...state.last });
  }

  // --- the price and the balance ------------------------------------------------------------
  function showPrice(price) {
    const text = plain(price);
    if (!text || !priceEl) return;
    const before = state.lastPrice === null ? null : Number(state.lastPrice);
    priceEl.textContent = text;
    if (before !== null) {
      priceEl.classList.toggle("up", Number(text) > before);
      priceEl.classList.toggle("down", Number(text) < before);
    }
    state.lastPrice = text;
    const entry = form?.querySelector("[name=entry_price]");
    if (entry) entry.placeholder = `market ${text}`;
  }

  // Cut down to the quote asset's precision, as the server shows it (never rounded up).
  function showBalance(free) {
    if (!balanceEl || free === undefined || free === null) return;
    const places = Number(card.dataset.quotePlaces || 2);
    const [whole, fraction = ""] = plain(free).split(".");
    balanceEl.textContent = plain(places && fraction ? `${whole}.${fraction.slice(0, places)}` : whole);
  }

  function setQuote(quote) {
    state.quote = quote;
    card.querySelectorAll("[data-market-quote]").forEach((el) => {
      el.textContent = quote;
    });
  }

  let lastTickAt = Date.now();

  hub.on((stream, data) => {
    if (stream === `ticker.${state.symbol}`) {
      const price = data.c ?? data.price ?? data.last;
      if (price === undefined) return;
      lastTickAt = Date.now();
      window.HavenCapDesk.ticks += 1;
      showPrice(price);
      extend(price, Number(data.E) || Date.now());
    } else if (stream === `balance.${card.dataset.userId}` && data.account_id === state.account) {
      const mine = (data.balances || []).find((b) => b.asset === state.quote);
      if (mine) showBalance(mine.free);
    }
  });

  async function switchSymbol(symbol) {
    if (!symbol || symbol === state.symbol) return;
    const previous = state.symbol;
    const query = new URLSearchParams({ account: state.account, symbol });
    let body;
    try {
      const response = await fetch(`${card.dataset.marketUrl}?${query}`, { credentials: "same-origin" });
      body = await response.json();
      if (!response.ok) throw new Error(body?.error?.message || `the server answered ${response.status}`);
    } catch (error) {
      if (note) note.textContent = `Could not read ${symbol}: ${error.message}`;
      return;
    }
    hub.unsubscribe([`ticker.${previous}`]);
    state.symbol = body.symbol;
    state.priceStep = body.price_step || "";
    state.lastPrice = null;
    state.last = null;
    card.dataset.symbol = body.symbol;
    card.querySelectorAll("[data-market-symbol]").forEach((el) => {
      el.textContent = body.symbol;
    });
    setQuote(body.quote);
    card.dataset.quotePlaces = String(body.quote_places ?? card.dataset.quotePlaces);
    priceEl?.classList.remove("up", "down");
    if (body.price) showPrice(body.price);
    if (body.available !== null) showBalance(body.available);
    series?.applyOptions({ priceFormat: priceFormat() });
    hub.subscribe([`ticker.${body.symbol}`]);
    const url = new URL(window.location.href);
    url.searchParams.set("account", state.account);
    url.searchParams.set("symbol", body.symbol);
    window.history.replaceState(null, "", url);
    await loadCandles();
  }

  form?.addEventListener("change", (change) => {
    const target = change.target;
    if (target.name === "symbol") switchSymbol(target.value);
    if (target.name === "account" && target.value && target.value !== state.account) {
      // Another account lists other markets: draw the ticket again for it.
      window.location.assign(`${window.location.pathname}?${new URLSearchParams({ account: target.value })}`);
    }
  });

  // A venue whose ticker nobody publishes (no market feed for it) is asked now and then instead.
  const POLL_MS = 15000;
  setInterval(async () => {
    if (!state.symbol || document.hidden || Date.now() - lastTickAt < POLL_MS) return;
    lastTickAt = Date.now();
    try {
      const query = new URLSearchParams({ account: state.account, symbol: state.symbol });
      const response = await fetch(`${card.dataset.marketUrl}?${query}`, { credentials: "same-origin" });
      const body = await response.json();
      if (!response.ok || body.symbol !== state.symbol) return;
      if (body.price) {
        showPrice(body.price);
        extend(body.price, Date.now());
      }
      if (body.available !== null) showBalance(body.available);
    } catch {
      // offline for a moment: the next round asks again
    }
  }, POLL_MS / 3);

  makeChart();
  if (state.symbol) {
    if (priceEl?.textContent && priceEl.textContent !== "—") state.lastPrice = priceEl.textContent.trim();
    hub.subscribe([`ticker.${state.symbol}`, `balance.${card.dataset.userId}`]);
    loadCandles();
  } else if (note) note.textContent = "Pick a symbol to see its price.";
})();
