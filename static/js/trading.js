// The trading pages' small enhancements. Every page works without this script; it adds:
// - live order updates on /trades and /trades/<id> over the platform's WebSocket;
// - on /trade, the price field follows the entry type, and "Check" asks the server for the
//   verdict without reloading the form (the server renders it; this only swaps it in);
// - on /exchanges, the passphrase field shows only for exchanges that need one.
(() => {
  "use strict";

  // Set once per page load: a test (or a curious person) can tell that live updates arrived
  // without the page being reloaded.
  window.HavenCapTrading = { loadedAt: Date.now(), events: 0, socket: null };

  // --- live updates -------------------------------------------------------------------------
  const ROLE_LABELS = { ENTRY: "entry", STOP_LOSS: "stop-loss", TAKE_PROFIT: "target", STANDALONE: "order" };

  function socketUrl(live) {
    if (live.dataset.wsUrl) return live.dataset.wsUrl;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${window.location.hostname}:${live.dataset.wsPort || "4000"}/ws`;
  }

  const pick = (data, ...names) => names.map((n) => data[n]).find((v) => v !== undefined && v !== null && v !== "");

  function plainAmount(value) {
    if (value === undefined || value === null || value === "") return "";
    const text = String(value);
    // Python writes a zero with 18 decimals as "0E-18": for display, a number is exact enough.
    if (/e/i.test(text)) return Number.isFinite(Number(text)) ? String(Number(text)) : text;
    // "0.500000000000000000" -> "0.5", "50000.00" -> "50000": the same as the server's |amount.
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }

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
  // stop, legs placed after a fill) is the server's to tell: read it from the group's page.
  const pendingGroups = new Map();

  function refreshGroup(groupId) {
    const scopes = document.querySelectorAll(`[data-group-id="${CSS.escape(groupId)}"][data-group-url]`);
    if (!scopes.length) return;
    clearTimeout(pendingGroups.get(groupId));
    pendingGroups.set(
      groupId,
      setTimeout(async () => {
        pendingGroups.delete(groupId);
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
      }, 150),
    );
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

  function connectLive(live) {
    const feed = live.querySelector("[data-live-feed]");
    const state = live.querySelector("[data-live-state]");
    const streams = [`order.${live.dataset.userId}`, `balance.${live.dataset.userId}`];
    let retry = 1000;

    const show = (text, ok) => {
      if (!state) return;
      state.textContent = text;
      state.className = `badge ${ok ? "ok" : "bad"}`;
    };

    const open = () => {
      // The access cookie rides along with the handshake; the server accepts it from our Origin.
      const socket = new WebSocket(socketUrl(live));
      window.HavenCapTrading.socket = socket;
      socket.addEventListener("open", () => {
        retry = 1000;
        socket.send(JSON.stringify({ method: "SUBSCRIBE", params: streams, id: 1 }));
      });
      socket.addEventListener("message", (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        if (event.id === 1) {
          if (event.error) show(`not subscribed: ${event.error.msg || event.error.code}`, false);
          else {
            show("live", true);
            live.dataset.subscribed = "true";
          }
          return;
        }
        if (!event.stream || !event.data) return;
        window.HavenCapTrading.events += 1;
        if (event.stream.startsWith("order.")) onOrderEvent(event.data, feed);
        else if (event.stream.startsWith("balance.")) onBalanceEvent(event.data, feed);
      });
      socket.addEventListener("close", (closed) => {
        live.dataset.subscribed = "false";
        if (closed.code === 4001) {
          show("signed out", false);
          return; // the session was revoked: reconnecting would be refused
        }
        show("reconnecting…", false);
        setTimeout(open, retry);
        retry = Math.min(retry * 2, 30000);
      });
    };
    open();
  }

  // --- the trade ticket -------------------------------------------------------------------
  function followEntryType(form) {
    const price = form.querySelector("[name=entry_price]");
    const types = form.querySelectorAll("[name=entry_type]");
    if (!price || !types.length) return;
    const sync = () => {
      const market = form.querySelector("[name=entry_type]:checked, select[name=entry_type]")?.value === "market";
      price.disabled = market;
      price.closest(".field")?.classList.toggle("muted", market);
    };
    types.forEach((input) => input.addEventListener("change", sync));
    sync();
  }

  function checkInPlace(form) {
    const button = form.querySelector("button[name=action][value=check]");
    const verdict = document.getElementById("verdict");
    if (!button || !verdict || !window.fetch || !window.DOMParser) return;
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
        verdict.replaceWith(fresh);
        // Field errors come with the verdict: show them next to their fields too.
        form.querySelectorAll(".errorlist").forEach((list) => list.remove());
        page.querySelectorAll("#ticket .errorlist").forEach((list) => {
          const field = list.closest("[data-field-name]")?.dataset.fieldName;
          const target = field ? form.querySelector(`[data-field-name="${field}"]`) : form.querySelector("[data-form-errors]");
          target?.prepend(document.importNode(list, true));
        });
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

  document.querySelectorAll("[data-live]").forEach(connectLive);
  document.querySelectorAll("form[data-ticket]").forEach((form) => {
    followEntryType(form);
    checkInPlace(form);
  });
  document.querySelectorAll("select[data-exchange-select]").forEach(followExchange);
})();
