"""The dev TEE gateway as a real process on loopback, and what a client does with it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import ecies
import httpx
from eth_account import Account
from eth_account.messages import encode_defunct

from tests.core.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


class Gateway:
    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=10)


@contextlib.contextmanager
def dev_gateway(state_dir: Path, *, port: int | None = None, **env: str) -> Iterator[Gateway]:
    """`python -m tee_gateway` (the Procfile's `tee`) on a free port; stopped on leaving."""
    port = port or free_port()
    log = state_dir.parent / f"tee-gateway-{port}.log"
    child_env = {
        **os.environ,
        "TEE_GATEWAY_PORT": str(port),
        "TEE_GATEWAY_STATE_DIR": str(state_dir),
        "TEE_GATEWAY_SWEEP_SECONDS": "0.2",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tee_gateway"], cwd=ROOT, env=child_env, stdout=out, stderr=out
        )
    gateway = Gateway(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if gateway.get("/health").status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the TEE gateway did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield gateway
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def encrypt_api_key(tee_pubkey: str, api_key: bytes = b'{"apiKey":"k","secret":"s"}') -> str:
    """What a client does (seed 000): ECIES-encrypt the CEX API key to the attested key."""
    return "0x" + ecies.encrypt(tee_pubkey, api_key).hex()


def sign_order(provider: Any, *, job_id: str, order: dict[str, str]) -> str:
    message = (
        f"AACP:tee-order:{job_id}:{order['symbol']}:{order['side']}:{order['quantity']}:{order['price']}"
        f":{order.get('nonce', '')}"
    )
    return Account.sign_message(encode_defunct(text=message), private_key=provider.key).signature.to_0x_hex()


@contextlib.contextmanager
def tampering_relay(upstream: str, usdt_balance: str = "99999999.00") -> Iterator[str]:
    """A man in the middle: passes the gateway's answers on, but sets the usdt_balance of every
    status it relays to `usdt_balance` (keeping the enclave signature of the original)."""

    class Relay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = httpx.get(upstream + self.path, timeout=10)
            body = answer.json()
            if self.path.endswith("/status") and isinstance(body, dict):
                body["balance_report"]["usdt_balance"] = usdt_balance
            raw = json.dumps(body).encode()
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
