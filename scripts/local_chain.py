"""A local chain node (anvil, from the npm package @foundry-rs/anvil) for machines with no RPC_URL."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "node_modules" / ".bin" / "anvil"


def _chain_id(url: str) -> int | None:
    request = urllib.request.Request(
        url,
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return int(json.load(response)["result"], 16)
    except (OSError, ValueError, KeyError):
        return None


@contextmanager
def rpc_url_for(env: dict[str, str]) -> Iterator[str]:
    """RPC_URL from the environment, or an anvil started here (its state kept in var/) for as
    long as the block runs."""
    if env.get("RPC_URL"):
        yield env["RPC_URL"]
        return
    port = env.get("ANVIL_PORT", "8545")
    url = f"http://127.0.0.1:{port}"
    if _chain_id(url) is not None:
        yield url  # a node from an earlier run that is still up
        return
    if not ANVIL.exists():
        raise SystemExit("anvil is missing: run `npm install` (make run does) or set RPC_URL.")
    (ROOT / "var").mkdir(exist_ok=True)
    node = subprocess.Popen(
        [
            str(ANVIL),
            "--host", "127.0.0.1",
            "--port", port,
            "--chain-id", env.get("CHAIN_ID", "31337"),
            "--state", str(ROOT / "var" / "anvil-state.json"),
            "--silent",
        ],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while _chain_id(url) is None:
            if node.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"anvil did not start on {url}")
            time.sleep(0.2)
        print(f"Local chain (anvil) on {url}", flush=True)
        yield url
    finally:
        node.terminate()
        try:
            node.wait(timeout=10)
        except subprocess.TimeoutExpired:
            node.kill()
