"""A local HTTP server standing in for Hyperliquid's `/exchange` and `/info` endpoints.

`/exchange` checks an `approveAgent` action the way Hyperliquid does: it recovers the signer from
the action's EIP-712 typed data (hyperliquid-python-sdk's own recovery), refuses a chain other
than the one it serves, a nonce it has seen, or a malformed body, and records the agent under
the recovered master. `/info` answers `{"type": "extraAgents", "user": ...}` from that record.

    server = HyperliquidServer().start()
    server.reject_next("User or API Wallet 0x... does not exist.")   # next /exchange: status err
    server.fail_next(503)                                            # next request: HTTP 503
    server.stop()
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hyperliquid.utils import signing

AGENT_TYPES = [
    {"name": "hyperliquidChain", "type": "string"},
    {"name": "agentAddress", "type": "address"},
    {"name": "agentName", "type": "string"},
    {"name": "nonce", "type": "uint64"},
]


@dataclass
class HyperliquidState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    # master address (lower case) -> [{"address", "name"}]
    agents: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    nonces: set[tuple[str, int]] = field(default_factory=set)
    requests: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)


class HyperliquidServer:
    def __init__(self, *, mainnet: bool = False) -> None:
        self.mainnet = mainnet
        self.state = HyperliquidState()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HyperliquidServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, body = server.handle(self.path, raw)
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def reject_next(self, reason: str) -> None:
        with self.state.lock:
            self.state.rejections.append(reason)

    def fail_next(self, status: int) -> None:
        with self.state.lock:
            self.state.failures.append(status)

    def agents_of(self, master: str) -> list[dict[str, str]]:
        with self.state.lock:
            return list(self.state.agents.get(master.lower(), []))

    # --- the dialect ------------------------------------------------------------------------

    def handle(self, path: str, raw: bytes) -> tuple[int, Any]:
        with self.state.lock:
            if self.state.failures:
                return self.state.failures.pop(0), b"upstream failure"
            try:
                payload = json.loads(raw)
            except ValueError:
                return 422, b"Failed to deserialize the JSON body into the target type"
            self.state.requests.append({"path": path, "payload": payload})
            if path == "/exchange":
                if self.state.rejections:
                    return 200, {"status": "err", "response": self.state.rejections.pop(0)}
                return 200, self._exchange(payload)
            if path == "/info":
                return 200, self._info(payload)
            return 404, b"not found"

    def _exchange(self, payload: dict[str, Any]) -> dict[str, Any]:
        action, nonce, signature = payload.get("action"), payload.get("nonce"), payload.get("signature")
        if not isinstance(action, dict) or action.get("type") != "approveAgent":
            return {"status": "err", "response": "Unsupported action in this stand-in."}
        if action.get("nonce") != nonce:
            return {"status": "err", "response": "Action nonce does not match the request nonce."}
        chain = "Mainnet" if self.mainnet else "Testnet"
        if action.get("hyperliquidChain") != chain:
            return {"status": "err", "response": f"Action is for {action.get('hyperliquidChain')}, not {chain}."}
        signed = {**action, "agentName": action.get("agentName", "")}
        try:
            master = signing.recover_user_from_user_signed_action(
                signed, signature, AGENT_TYPES, "HyperliquidTransaction:ApproveAgent", self.mainnet
            )
        except Exception as exc:
            return {"status": "err", "response": f"Invalid signature: {exc}"}
        key = (master.lower(), nonce)
        if key in self.state.nonces:
            return {"status": "err", "response": "Nonce already used."}
        self.state.nonces.add(key)
        self.state.agents.setdefault(master.lower(), []).append(
            {"address": action["agentAddress"], "name": action.get("agentName", "")}
        )
        return {"status": "ok", "response": {"type": "default"}}

    def _info(self, payload: dict[str, Any]) -> Any:
        if payload.get("type") == "extraAgents":
            return self.agents_of(str(payload.get("user", "")))
        return None
