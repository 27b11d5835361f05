"""Waits for `make run` to serve, then checks what a first-time user would try."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import websockets


def wait_for_health(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("make run never answered /health")


def demo_password(log: Path, email: str) -> str:
    match = re.search(rf"{re.escape(email)}\s+password: (\S+)", log.read_text())
    if not match:
        raise SystemExit(f"make run did not print the password of {email}")
    return match.group(1)


async def ws_round_trip(ws_url: str, token: str, user_id: str) -> Decimal:
    """Subscribes, then waits for the market feed (beat -> worker -> channel layer -> ws) to
    publish a BTC_USDT ticker; returns its price."""
    async with websockets.connect(f"{ws_url}/?access_token={token}", open_timeout=10) as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["ticker.BTC_USDT", f"order.{user_id}"], "id": 1}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert reply == {"result": None, "id": 1}, reply
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if event.get("stream") == "ticker.BTC_USDT":
                return Decimal(event["data"]["c"])


def trade_on_paper(base: str, token: str, price: Decimal) -> None:
    """The demo trader's paper account takes a market trade behind the decision loop."""
    auth = {"Authorization": f"Bearer {token}"}
    accounts = httpx.get(f"{base}/api/v1/exchanges/accounts", headers=auth, timeout=10)
    assert accounts.status_code == 200 and accounts.json()["accounts"], accounts.text
    step = Decimal("0.1")
    trade = {
        "symbol": "BTC_USDT",
        "side": "buy",
        "entry_type": "market",
        "quantity": "0.01",
        "stop_loss_price": str((price * Decimal("0.98")).quantize(step)),
        "take_profit": [{"price": str((price * Decimal("1.06")).quantize(step)), "quantity": "0.01"}],
        "idempotency_key": str(uuid.uuid4()),
    }
    opened = httpx.post(f"{base}/api/v1/trades", json=trade, headers=auth, timeout=30)
    assert opened.status_code == 201, opened.text
    group = opened.json()
    assert group["status"] in {"active", "ACTIVE"}, group
    listed = httpx.get(f"{base}/api/v1/trades", headers=auth, timeout=10)
    assert group["id"] in listed.text, listed.text


def journal_has_demo_trades(base: str, token: str) -> int:
    """The demo trader's journal and analytics show the seeded closed trades on first start."""
    auth = {"Authorization": f"Bearer {token}"}
    trades = httpx.get(f"{base}/api/v1/journal/trades", headers=auth, timeout=10)
    assert trades.status_code == 200 and trades.json()["pagination"]["total"] > 0, trades.text
    overview = httpx.get(f"{base}/api/v1/journal/analytics/overview", headers=auth, timeout=10)
    assert overview.status_code == 200, overview.text
    assert overview.json()["trade_count"] == trades.json()["pagination"]["total"], overview.text
    return overview.json()["trade_count"]


def chain_is_indexed(base: str, token: str, deadline: float) -> int:
    """A personal API token reads the chain index, which the worker fills from block 0 on its own:
    /api/v1/health names an indexed block once it has caught up with the demo chain."""
    auth = {"Authorization": f"Bearer {token}"}
    created = httpx.post(f"{base}/api/user/token", headers=auth, timeout=10)
    assert created.status_code == 201, created.text
    api_token = created.json()["token"]
    assert api_token.startswith("hc_live_"), created.text
    bearer = {"Authorization": f"Bearer {api_token}"}
    while True:
        health = httpx.get(f"{base}/api/v1/health", headers=bearer, timeout=10)
        assert health.status_code == 200, health.text
        body = health.json()
        if body["last_indexed_block"] is not None and body["last_indexed_block"] >= 1:
            break
        assert time.monotonic() < deadline, f"the chain was not indexed in time: {body}"
        time.sleep(2)
    listed = httpx.get(f"{base}/api/v1/transactions", headers=bearer, params={"page_size": 5}, timeout=10)
    assert listed.status_code == 200 and listed.json()["total_results"] > 0, listed.text
    assert httpx.get(f"{base}/chain", timeout=10).status_code == 200
    return body["last_indexed_block"]


def demo_droid_minted(base: str, token: str, deadline: float) -> int:
    """The demo trader's droid runs on the local pool: the engine (beat -> worker -> the chain)
    mints its ladder on a run within a couple of minutes of start; returns how many positions."""
    auth = {"Authorization": f"Bearer {token}"}
    droids = httpx.get(f"{base}/api/droids", headers=auth, timeout=10)
    assert droids.status_code == 200, droids.text
    running = [d for d in droids.json()["droids"] if d["active"] == 1]
    assert running, droids.text
    while True:
        detail = httpx.get(f"{base}/api/droids/{running[0]['id']}", headers=auth, timeout=10)
        assert detail.status_code == 200, detail.text
        active = [b for b in detail.json()["bots"] if b["status"] == "ACTIVE"]
        if active:
            return len(active)
        assert time.monotonic() < deadline, f"the demo droid minted nothing in time: {detail.text}"
        time.sleep(3)


def demo_jobs_proved(base: str, deadline: float) -> tuple[int, int]:
    """The demo jobs' Groth16 proofs: the prover (its own process) proves the job under evaluation
    without a manual step, and the settled demo job's proof was verified on the chain. Returns
    (proofs READY, proofs verified on chain)."""
    while True:
        listed = httpx.get(f"{base}/api/v1/jobs", params={"limit": 50}, timeout=10)
        assert listed.status_code == 200, listed.text
        proofs = []
        for job in listed.json()["data"]:
            detail = httpx.get(f"{base}/api/v1/jobs/{job['jobId']}", timeout=10)
            assert detail.status_code == 200, detail.text
            if detail.json()["data"]["proof"] is not None:
                proofs.append(detail.json()["data"]["proof"])
        ready = [p for p in proofs if p["state"] == "READY"]
        verified = [p for p in proofs if p["onChain"] and p["onChain"]["verified"]]
        if ready and verified and all(p["state"] != "PROVING" for p in proofs):
            return len(ready), len(verified)
        assert time.monotonic() < deadline, f"the demo jobs were not proved in time: {proofs}"
        time.sleep(3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--ws-port", type=int, default=4000)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    base, ws_url = f"http://localhost:{args.port}", f"ws://localhost:{args.ws_port}"

    wait_for_health(base, time.monotonic() + args.timeout)
    ready = httpx.get(f"{base}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    # The dev TEE gateway, a process of its own, answers through the proxy and the probes.
    assert httpx.get(f"{base}/health/sidecar", timeout=10).json()["status"] == "ok"
    attestation = httpx.get(f"{base}/api/v1/tee/attestation", timeout=10)
    assert attestation.status_code == 200 and attestation.json()["tee_pubkey"].startswith("0x04"), attestation.text
    assert httpx.get(f"{base}/login", timeout=10).status_code == 200
    assert httpx.get(f"{base}/api/schema/", timeout=30).status_code == 200
    config = httpx.get(f"{base}/api/v1/config", timeout=10)
    assert config.status_code == 200, config.text
    assert set(config.json()["data"]["contracts"]) >= {"ACPCore", "MockUSDC"}, config.text

    password = demo_password(args.log, "trader@example.com")
    login = httpx.post(f"{base}/api/auth/login", json={"email": "trader@example.com", "password": password}, timeout=10)
    assert login.status_code == 200, login.text
    token, user_id = login.json()["accessToken"], login.json()["user"]["userId"]
    me = httpx.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200 and me.json()["email"] == "trader@example.com", me.text
    price = asyncio.run(ws_round_trip(ws_url, token, user_id))
    journal_trades = journal_has_demo_trades(base, token)
    trade_on_paper(base, token, price)
    indexed = chain_is_indexed(base, token, time.monotonic() + 120)
    positions = demo_droid_minted(base, token, time.monotonic() + 240)
    ready, verified = demo_jobs_proved(base, time.monotonic() + 180)
    print(
        "make run serves /health, /health/ready, the TEE gateway, the pages, the API, the chain config, WebSockets "
        f"with the market feed, a paper trade, a journal of {journal_trades} demo trades, and the "
        f"chain index up to block {indexed}, a demo droid holding {positions} positions, and {ready} Groth16 "
        f"proofs ready ({verified} verified on chain)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
