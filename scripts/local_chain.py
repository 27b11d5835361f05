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


class AnvilFailed(RuntimeError):
    """anvil exited, or did not answer in time."""


@contextmanager
def anvil_node(
    *, binary: Path = ANVIL, port: int | str, chain_id: int | str = 31337, state: Path | None = None, wait: float = 30
) -> Iterator[str]:
    """An anvil on 127.0.0.1:`port` for as long as the block runs (its state dumped to and
    loaded from `state` when given); yields its URL once it answers."""
    url = f"http://127.0.0.1:{port}"
    command = [str(binary), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id), "--silent"]
    if state is not None:
        command += ["--state", str(state)]
    node = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + wait
        while _chain_id(url) is None:
            if node.poll() is not None:
                raise AnvilFailed(f"anvil exited with {node.returncode} before answering on {url}")
            if time.monotonic() > deadline:
                raise AnvilFailed(f"anvil did not answer on {url} within {wait:.0f}s")
            time.sleep(0.1)
        yield url
    finally:
        node.terminate()
        try:
            node.wait(timeout=10)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait(timeout=10)


@contextmanager
def rpc_url_for(env: dict[str, str]) -> Iterator[str]:
    """RPC_URL from the environment, or an anvil started here (its state kept in var/) for as
    long as the block runs."""
    if env.get("RPC_URL"):
        yield env["RPC_URL"]
        return
    port = env.get("ANVIL_PORT", "8545")
    if _chain_id(f"http://127.0.0.1:{port}") is not None:
        yield f"http://127.0.0.1:{port}"  # a node from an earlier run that is still up
        return
    if not ANVIL.exists():
        raise SystemExit("anvil is missing: run `npm install` (make run does) or set RPC_URL.")
    (ROOT / "var").mkdir(exist_ok=True)
    try:
        with anvil_node(
            port=port, chain_id=env.get("CHAIN_ID", "31337"), state=ROOT / "var" / "anvil-state.json"
        ) as url:
            print(f"Local chain (anvil) on {url}", flush=True)
            yield url
    except AnvilFailed as failure:
        raise SystemExit(str(failure)) from None
