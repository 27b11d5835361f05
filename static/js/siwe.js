// Sign-In with Ethereum (EIP-4361) for the sign-in page, through the browser's wallet.
// Plain script, no dependencies: the server's JSON endpoints do the verifying.
(() => {
  "use strict";

  // --- Keccak-256 -------------------------------------------------------------------------
  // EIP-55 checksums need keccak-256, which browsers do not ship (SubtleCrypto has SHA-3's
  // cousins only). Wallets hand out lower-case addresses and the server accepts only
  // checksummed ones, so a compact keccak lives here (after the Keccak team's CompactFIPS202).
  const MASK = (1n << 64n) - 1n;
  const rotl = (value, shift) => {
    const n = BigInt(shift % 64);
    return n === 0n ? value : ((value << n) | (value >> (64n - n))) & MASK;
  };

  function keccakF(lanes) {
    let round = 1;
    for (let r = 0; r < 24; r++) {
      const c = [0, 1, 2, 3, 4].map((x) => lanes[x] ^ lanes[x + 5] ^ lanes[x + 10] ^ lanes[x + 15] ^ lanes[x + 20]);
      for (let x = 0; x < 5; x++) {
        const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (let y = 0; y < 25; y += 5) lanes[x + y] ^= d;
      }
      let [x, y] = [1, 0];
      let current = lanes[x + 5 * y];
      for (let t = 0; t < 24; t++) {
        [x, y] = [y, (2 * x + 3 * y) % 5];
        const next = lanes[x + 5 * y];
        lanes[x + 5 * y] = rotl(current, ((t + 1) * (t + 2)) / 2);
        current = next;
      }
      for (let y5 = 0; y5 < 25; y5 += 5) {
        const row = lanes.slice(y5, y5 + 5);
        for (let i = 0; i < 5; i++) lanes[y5 + i] = row[i] ^ (~row[(i + 1) % 5] & MASK & row[(i + 2) % 5]);
      }
      for (let j = 0; j < 7; j++) {
        round = ((round << 1) ^ ((round >> 7) * 0x71)) % 256;
        if (round & 2) lanes[0] ^= 1n << BigInt((1 << j) - 1);
      }
    }
  }

  function keccak256(bytes) {
    const rate = 136;
    const padded = new Uint8Array(Math.floor(bytes.length / rate + 1) * rate);
    padded.set(bytes);
    padded[bytes.length] ^= 0x01; // Keccak padding, not SHA-3's 0x06
    padded[padded.length - 1] ^= 0x80;
    const lanes = new Array(25).fill(0n);
    for (let offset = 0; offset < padded.length; offset += rate) {
      for (let i = 0; i < rate / 8; i++) {
        let lane = 0n;
        for (let b = 7; b >= 0; b--) lane = (lane << 8n) | BigInt(padded[offset + i * 8 + b]);
        lanes[i] ^= lane;
      }
      keccakF(lanes);
    }
    let hex = "";
    for (let i = 0; i < 4; i++) {
      for (let b = 0; b < 8; b++) hex += Number((lanes[i] >> BigInt(8 * b)) & 0xffn).toString(16).padStart(2, "0");
    }
    return hex;
  }

  function toChecksumAddress(address) {
    const lower = address.toLowerCase().replace(/^0x/, "");
    if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error(`Not an Ethereum address: ${address}`);
    const hash = keccak256(new TextEncoder().encode(lower));
    let out = "0x";
    for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
    return out;
  }

  // --- EIP-4361 message -------------------------------------------------------------------
  function buildMessage({ domain, address, statement, uri, chainId, nonce, issuedAt }) {
    return [
      `${domain} wants you to sign in with your Ethereum account:`,
      address,
      "",
      statement,
      "",
      `URI: ${uri}`,
      "Version: 1",
      `Chain ID: ${chainId}`,
      `Nonce: ${nonce}`,
      `Issued At: ${issuedAt}`,
    ].join("\n");
  }

  const utf8ToHex = (text) =>
    "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");

  async function errorOf(response) {
    try {
      const body = await response.json();
      return body.error || {};
    } catch {
      return {};
    }
  }

  // Django's CSRF token for API writes: the `csrftoken` cookie is current even when another tab
  // renewed it; the layout's <meta name="csrf-token"> covers a deployment with HttpOnly cookies.
  function csrfToken() {
    const cookie = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return cookie ? decodeURIComponent(cookie[1]) : document.querySelector('meta[name="csrf-token"]')?.content || "";
  }

  async function signIn(next, say) {
    const ethereum = window.ethereum;
    if (!ethereum || typeof ethereum.request !== "function") {
      say("No browser wallet found. Install MetaMask or another Ethereum wallet extension, then reload this page.");
      return;
    }
    say("Waiting for your wallet…");
    const accounts = await ethereum.request({ method: "eth_requestAccounts" });
    if (!accounts || accounts.length === 0) {
      say("Your wallet did not share an account.");
      return;
    }
    const chainId = parseInt(await ethereum.request({ method: "eth_chainId" }), 16);
    const nonceResponse = await fetch("/api/v1/auth/nonce", { headers: { Accept: "application/json" } });
    if (!nonceResponse.ok) {
      say((await errorOf(nonceResponse)).message || "Could not start the sign-in; try again.");
      return;
    }
    const { nonce } = await nonceResponse.json();
    const message = buildMessage({
      domain: window.location.host,
      address: toChecksumAddress(accounts[0]),
      statement: "Sign in to HavenCap.",
      uri: window.location.origin,
      chainId,
      nonce,
      issuedAt: new Date().toISOString(),
    });
    say("Confirm the signature request in your wallet…");
    const signature = await ethereum.request({ method: "personal_sign", params: [utf8ToHex(message), accounts[0]] });
    const response = await fetch("/api/v1/auth/verify-siwe", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify({ message, signature }),
    });
    if (response.ok) {
      window.location.assign(next);
      return;
    }
    const error = await errorOf(response);
    if (error.code === "ACCOUNT_PENDING") {
      window.location.assign("/pending");
      return;
    }
    say(error.message || `Sign-in failed (HTTP ${response.status}).`);
  }

  window.HavenCapSiwe = { keccak256, toChecksumAddress, buildMessage };

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("siwe-button");
    const status = document.getElementById("siwe-status");
    if (!button || !status) return;
    const say = (text) => {
      status.textContent = text;
      status.hidden = !text;
    };
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        // The page validated `next` on the server before writing it here.
        await signIn(button.dataset.next || "/account", say);
      } catch (error) {
        // EIP-1193: 4001 is the user saying no in the wallet.
        say(error && error.code === 4001 ? "You declined the request in your wallet." : `Sign-in failed: ${error.message || error}`);
      } finally {
        button.disabled = false;
      }
    });
  });
})();
