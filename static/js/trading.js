// The trading pages' enhancements. Every page works without this script; it adds:
// - one WebSocket per page (`HavenCapTrading.hub`), shared by everything below and by
//   desk-market.js (the ticket's live price and chart);
// - on /trades, the open trades follow the user's `order.*` stream: a group placed elsewhere
//   appears (its rows come from the server, `/trades/<id>/row`), statuses and fills change in
//   place, and each open trade's P&L and R follow the ticker of its symbol;
// - on /trades/<id>, the orders and the group's state update live;
// - on /trade, the price field follows the entry type, and "Check" asks the server for the
//   verdict without reloading the form (the server renders it; this only swaps it in);
// - on /exchanges, the passphrase field shows only for exchanges that need one.
(() => {
  "use strict";

  // Set once per page load: a test (or a curious person) can tell that live updates arrived
  // without the page being reloaded.
  window.HavenCapTrading = { loadedAt: Date.now(), events: 0, socket: null, hub: null };

  const ROLE_LABELS = { ENTRY: "entry", STOP_LOSS: "stop-loss", TAKE_PROFIT: "target", STANDALONE: "order" };
  const OPEN_STATUSES = new Set(["PENDING", "OPEN", "ACTIVE"]);

  const pick = (data, ...names) => names.map((n) => data[n]).find((v) => v !== undefined && v !== null && v !== "");

  function plainAmount(value) {
    if (value === undefined || value === null || value === "") return "";
    const text = String(value);
    // Python writes a zero with 18 decimals as "0E-18": for display, a number is exact enough.
    if (/e/i.test(text)) return Number.isFinite(Number(text)) ? String(Number(text)) : text;
    // "0.500000000000000000" -> "0.5", "50000.00" -> "50000": the same as the server's |amount.
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }

  // --- the socket ---------------------------------------------------------------------------
  // One connection per page, subscribing to whatever the page's parts ask for, resubscribing
  // after a reconnect. Its state shows in every [data-live-state] badge.
  function createHub() {
    const wanted = new Set();
    const refused = new Map(); // stream -> why the server refused it
    const pending = new Map(); // request id -> stream
    const listeners = [];
    const reopenListeners = [];
    let opened = 0;
    let socket = null;
    let retry = 1000;
    let nextId = 1;
    let started = false;
    const source = () => document.querySelector("[data-ws-port]");

    function socketUrl() {
      const config = source();
      if (config?.dataset.wsUrl) return config.dataset.wsUrl;
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      return `${scheme}://${window.location.hostname}:${config?.dataset.wsPort || "4000"}/ws`;
    }

    function show(text, ok, title = "") {
      document.querySelectorAll("[data-live-state]").forEach((state) => {
        state.textContent = text;
        state.className = `badge ${ok ? "ok" : "bad"}`;
        if (title) state.title = title;
      });
    }

    // Live while any stream is subscribed; the streams the server refused are named on hover.
    function showSubscriptions() {
      const live = [...wanted].filter((stream) => !refused.has(stream));
      const why = [...refused].map(([stream, message]) => `${stream.split(".")[0]}: ${message}`).join("; ");
      if (live.length) show("live", true, why ? `Not following ${why}` : "Following the exchange live");
      else if (why) show("not live", false, why);
      document.querySelectorAll("[data-live]").forEach((element) => {
        element.dataset.subscribed = String(live.length > 0);
      });
    }

    function subscribeOne(stream) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      // One request per stream: the server refuses a request whole, and a refused private
      // stream must not keep a public one (the ticker) from being followed.
      const id = nextId++;
      pending.set(id, stream);
      socket.send(JSON.stringify({ method: "SUBSCRIBE", params: [stream], id }));
    }

    function open() {
      // The access cookie rides along with the handshake; the server accepts it from our Origin.
      socket = new WebSocket(socketUrl());
      window.HavenCapTrading.socket = socket;
      socket.addEventListener("open", () => {
        retry = 1000;
        refused.clear();
        wanted.forEach(subscribeOne);
        // Events published while the socket was down are gone: let the parts catch up.
        if (opened++ > 0) reopenListeners.forEach((listener) => listener());
      });
      socket.addEventListener("message", (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        if (event.id !== undefined && !event.stream) {
          const stream = pending.get(event.id);
          pending.delete(event.id);
          if (stream && event.error) refused.set(stream, event.error.msg || String(event.error.code));
          if (stream) showSubscriptions();
          return;
        }
        if (!event.stream || !event.data) return;
        window.HavenCapTrading.events += 1;
        listeners.forEach((listener) => {
          try {
            listener(event.stream, event.data);
          } catch (error) {
            console.error(error); // one part's bug must not stop the others' updates
          }
        });
      });
      socket.addEventListener("close", (closed) => {
        pending.clear();
        document.querySelectorAll("[data-live]").forEach((element) => {
          element.dataset.subscribed = "false";
        });
        if (closed.code === 4001) {
          show("signed out", false);
          return; // the session was revoked: reconnecting would be refused
        }
        show("reconnecting…", false);
        setTimeout(open, retry);
        retry = Math.min(retry * 2, 30000);
      });
    }

    return {
      subscribe(streams) {
        const fresh = streams.filter((stream) => stream && !wanted.has(stream));
        fresh.forEach((stream) => wanted.add(stream));
        if (!started) {
          started = true;
          open();
        } else fresh.forEach(subscribeOne);
      },
      unsubscribe(streams) {
        const gone = streams.filter((stream) => wanted.delete(stream));
        gone.forEach((stream) => refused.delete(stream));
        if (gone.length && socket?.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ method: "UNSUBSCRIBE", params: gone, id: nextId++ }));
        }
      },
      on(listener) {
        listeners.push(listener);
      },
      onReopen(listener) {
        reopenListeners.push(listener);
      },
    };
  }

  const hub = createHub();
  window.HavenCapTrading.hub = hub;

  // --- live order updates -------------------------------------------------------------------
  function setField(scope, field, value) {
    if (!scope || value === undefined || value === null || value === "") return;
    scope.querySelectorAll(`[data-field="${field}"]`).forEach((cell) => {
      cell.textContent = value;
      if (cell.classList.contains("badge")) {
        cell.className = `badge status-${String(value).toLowerCase().replace(/_/g, "-")}`;
      }
    });
  }

  function feedLine(feed, text) {
    if (!feed) return;
    const item = document.createElement("li");
    const time = new Date().toLocaleTimeString();
    item.textContent = `${time} · ${text}`;
    feed.prepend(item);
    while (feed.children.length > 20) feed.lastElementChild.remove();
    feed.closest("[hidden]")?.removeAttribute("hidden");
  }

  function describeOrder(data, status) {
    const symbol = pick(data, "symbol", "s") || "";
    const role = String(pick(data, "role") || "").toUpperCase();
    let label = ROLE_LABELS[role] || "order";
    const index = pick(data, "target_index", "targetIndex");
    if (role === "TAKE_PROFIT" && index !== undefined) label = `target ${Number(index) + 1}`;
    const price = plainAmount(pick(data, "average_price", "averagePrice", "avg_price", "price", "stop_price"));
    const verb = status.toLowerCase().replace(/_/g, " ");
    return `${symbol} ${label} ${verb}${price && status === "FILLED" ? ` at ${price}` : ""}`.trim();
  }

  function onOrderEvent(data, feed) {
    const orderId = pick(data, "order_id", "orderId", "id");
    const status = String(pick(data, "status", "X") || "").toUpperCase();
    const groupId = pick(data, "group_id", "groupId", "trade_group_id");
    if (orderId) {
      document.querySelectorAll(`[data-order-id="${CSS.escape(String(orderId))}"]`).forEach((row) => {
        setField(row, "status", status);
        setField(row, "filled", plainAmount(pick(data, "filled_quantity", "filledQuantity", "filled", "z")));
        setField(row, "average-price", plainAmount(pick(data, "average_price", "averagePrice")));
        setField(row, "price", plainAmount(pick(data, "price", "stop_price", "stopPrice")));
      });
    }
    if (groupId) refreshGroup(String(groupId));
    if (status) feedLine(feed, describeOrder(data, status));
  }

  // An order event says what happened to one order; the group's own state (status, filled,
  // stop, legs placed after a fill, P&L inputs) is the server's to tell. On /trades the group's
  // rows come from `/trades/<id>/row` (a group the table lacks is added); on a group's page
  // its fields are read from the page itself.
  const pendingGroups = new Map();

  function refreshGroup(groupId) {
    clearTimeout(pendingGroups.get(groupId));
    pendingGroups.set(
      groupId,
      setTimeout(() => {
        pendingGroups.delete(groupId);
        const table = document.querySelector("[data-open-trades]");
        if (table) refreshListRow(table, groupId);
        else refreshGroupPage(groupId);
      }, 150),
    );
  }

  async function fetchDocument(url) {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
      if (!response.ok || response.redirected) return null;
      return new DOMParser().parseFromString(`<table>${await response.text()}</table>`, "text/html");
    } catch {
      return null;
    }
  }

  async function refreshListRow(table, groupId) {
    const current = table.querySelector(`tbody.trade-group[data-group-id="${CSS.escape(groupId)}"]`);
    const url = current?.dataset.rowUrl || table.dataset.rowUrlPattern?.replace(/0{8}-0{4}-0{4}-0{4}-0{12}/, groupId);
    if (!url) return;
    const page = await fetchDocument(url);
    const fresh = page?.querySelector("tbody.trade-group");
    if (!fresh) return;
    const row = document.importNode(fresh, true);
    // Look again: another refresh may have added it while this one was fetching.
    const now = table.querySelector(`tbody.trade-group[data-group-id="${CSS.escape(groupId)}"]`);
    if (now) now.replaceWith(row);
    else {
      row.classList.add("arrived");
      table.querySelector("thead").after(row);
    }
    table.querySelector("[data-no-open-trades]")?.setAttribute("hidden", "");
    followTicker(row);
  }

  // After a reconnect: read the list again and refresh or add every open trade it shows.
  async function resyncList(table) {
    let page;
    try {
      const response = await fetch(window.location.pathname, { credentials: "same-origin" });
      if (!response.ok || response.redirected) return;
      page = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch {
      return;
    }
    page.querySelectorAll("[data-open-trades] tbody.trade-group").forEach((fresh) => {
      refreshGroup(fresh.dataset.groupId);
    });
  }

  async function refreshGroupPage(groupId) {
    const scopes = document.querySelectorAll(`[data-group-id="${CSS.escape(groupId)}"][data-group-url]`);
    if (!scopes.length) return;
    let page;
    try {
      const response = await fetch(scopes[0].dataset.groupUrl, { credentials: "same-origin" });
      if (!response.ok || response.redirected) return;
      page = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch {
      return;
    }
    const fresh = page.querySelector(`[data-group-id="${CSS.escape(groupId)}"]`);
    if (!fresh) return;
    scopes.forEach((scope) => {
      fresh.querySelectorAll("[data-field^='group-']").forEach((cell) => {
        setField(scope, cell.dataset.field, cell.textContent.trim());
      });
      fresh.querySelectorAll("[data-order-id]").forEach((row) => {
        const mine = scope.querySelector(`[data-order-id="${CSS.escape(row.dataset.orderId)}"]`);
        if (mine) mine.replaceWith(document.importNode(row, true));
        else (scope.matches("[data-order-rows]") ? scope : scope.querySelector("[data-order-rows]"))?.append(
          document.importNode(row, true),
        );
      });
    });
  }

  // --- live P&L and R on /trades --------------------------------------------------------------
  // P&L = realised + (price - average entry) x open quantity (x -1 for a short); R = P&L over
  // the risk planned at the stop. The inputs are the server's exact decimals; JS numbers are
  // used for this display only, rounded to the quote asset's precision.
  const lastPrices = new Map();

  function formatSigned(value, places) {
    const text = value.toFixed(places);
    if (Number(text) === 0) return (0).toFixed(places);
    return (value > 0 ? "+" : "") + text;
  }

  function showLive(row, price) {
    const pnlCell = row.querySelector("[data-live-pnl]");
    const rCell = row.querySelector("[data-live-r]");
    if (!pnlCell || !row.dataset.entry || !OPEN_STATUSES.has(row.dataset.status)) return;
    const direction = row.dataset.side === "sell" ? -1 : 1;
    const open = Number(row.dataset.openQuantity || 0);
    const pnl = Number(row.dataset.realized || 0) + (Number(price) - Number(row.dataset.entry)) * open * direction;
    if (!Number.isFinite(pnl)) return;
    const places = Number(row.dataset.quotePlaces || 2);
    pnlCell.textContent = formatSigned(pnl, places);
    const unit = row.querySelector("[data-live-pnl-unit]");
    if (unit) unit.hidden = false;
    pnlCell.classList.toggle("up", pnl > 0);
    pnlCell.classList.toggle("down", pnl < 0);
    const risk = Number(row.dataset.risk || 0);
    if (rCell) rCell.textContent = risk > 0 ? `${formatSigned(pnl / risk, 2)}R` : "—";
  }

  function followTicker(row) {
    const symbol = row.dataset.symbol;
    if (!symbol) return;
    hub.subscribe([`ticker.${symbol}`]);
    if (lastPrices.has(symbol)) showLive(row, lastPrices.get(symbol));
  }

  function onTicker(symbol, data) {
    const price = pick(data, "c", "price", "last");
    if (price === undefined) return;
    lastPrices.set(symbol, price);
    document.querySelectorAll(`tbody.trade-group[data-symbol="${CSS.escape(symbol)}"]`).forEach((row) => {
      showLive(row, price);
    });
  }

  function onBalanceEvent(data, feed) {
    if (data.e === "drawdown_breached") {
      feedLine(feed, `daily drawdown limit reached (${data.drawdown_percent}%): new trades are refused today`);
      return;
    }
    const balances = Array.isArray(data.balances) ? data.balances : [];
    const shown = balances.filter((b) => Number(b.total) !== 0).map((b) => `${b.asset} ${plainAmount(b.total)}`);
    feedLine(feed, shown.length ? `balance ${shown.join(", ")}` : "balance updated");
  }

  function followLive(live) {
    const feed = live.querySelector("[data-live-feed]");
    const user = live.dataset.userId;
    hub.on((stream, data) => {
      if (stream === `order.${user}`) onOrderEvent(data, feed);
      else if (stream === `balance.${user}`) onBalanceEvent(data, feed);
    });
    const table = document.querySelector("[data-open-trades]");
    if (table) {
      hub.on((stream, data) => {
        if (stream.startsWith("ticker.")) onTicker(stream.slice("ticker.".length), data);
      });
      table.querySelectorAll("tbody.trade-group").forEach(followTicker);
      hub.onReopen(() => resyncList(table));
    } else {
      const group = document.querySelector("[data-group-id][data-group-url]");
      if (group) hub.onReopen(() => refreshGroup(group.dataset.groupId));
    }
    hub.subscribe([`order.${user}`, `balance.${user}`]);
  }

  // --- the trade ticket -------------------------------------------------------------------
  function followEntryType(form) {
    const sync = () => {
      const price = form.querySelector("[name=entry_price]");
      if (!price) return;
      const market = form.querySelector("[name=entry_type]:checked, select[name=entry_type]")?.value === "market";
      price.disabled = market || price.closest("fieldset:disabled") !== null;
      price.closest(".field")?.classList.toggle("muted", market);
    };
    form.addEventListener("change", (change) => {
      if (change.target.name === "entry_type") sync();
    });
    sync();
    return sync;
  }

  // The server renders the verdict and the fields' errors; swap them in. Each field's block,
  // the ladder and the form's own errors come back as the server drew them (with the values
  // as posted), so an error shows beside its field and a bad target marks its row.
  function swapTicket(form, page) {
    const fresh = page.querySelector("form[data-ticket]");
    if (!fresh) return;
    fresh.querySelectorAll("[data-field-name]").forEach((block) => {
      if (block.closest("fieldset.ladder")) return;
      const mine = form.querySelector(`[data-field-name="${CSS.escape(block.dataset.fieldName)}"]`);
      if (mine && !mine.closest("fieldset.ladder")) mine.replaceWith(document.importNode(block, true));
    });
    const ladder = fresh.querySelector("fieldset.ladder tbody");
    const myLadder = form.querySelector("fieldset.ladder tbody");
    if (ladder && myLadder) myLadder.replaceWith(document.importNode(ladder, true));
    const errors = fresh.querySelector("[data-form-errors]");
    const myErrors = form.querySelector("[data-form-errors]");
    if (errors && myErrors) myErrors.replaceWith(document.importNode(errors, true));
  }

  function checkInPlace(form, afterSwap) {
    const button = form.querySelector("button[name=action][value=check]");
    const verdict = () => document.getElementById("verdict");
    if (!button || !verdict() || !window.fetch || !window.DOMParser) return;
    button.addEventListener("click", async (click) => {
      click.preventDefault();
      button.disabled = true;
      try {
        const response = await fetch(button.formAction || form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        });
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("verdict");
        if (!fresh || response.redirected) {
          window.location.assign(response.url); // signed out, or something unexpected: show it
          return;
        }
        verdict().replaceWith(document.importNode(fresh, true));
        swapTicket(form, page);
        afterSwap();
        form.querySelector(".has-error input, .has-error select")?.focus({ preventScroll: false });
      } catch {
        form.requestSubmit(button); // offline or blocked: fall back to the plain form post
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- adding an exchange account ---------------------------------------------------------
  function followExchange(select) {
    const passphrase = document.querySelector("[data-passphrase-field]");
    const keys = document.querySelectorAll("[data-key-field]");
    const sync = () => {
      const option = select.selectedOptions[0];
      const paper = option?.value === "paper";
      if (passphrase) passphrase.hidden = option?.dataset.passphrase !== "true";
      keys.forEach((field) => {
        field.hidden = paper;
      });
    };
    select.addEventListener("change", sync);
    sync();
  }

  window.HavenCapTrading.plainAmount = plainAmount;
  document.querySelectorAll("[data-live]").forEach(followLive);
  document.querySelectorAll("form[data-ticket]").forEach((form) => {
    const sync = followEntryType(form);
    checkInPlace(form, sync);
  });
  document.querySelectorAll("select[data-exchange-select]").forEach(followExchange);
})();
