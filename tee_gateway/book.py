"""The tasks: job init, provider-signed orders on an in-gateway paper book, and status reports.

Why its own paper book: the gateway is a separate process that shares nothing with the Django
backend (as a real enclave would not), and apps/exchanges' paper venue needs Django. So an order
fills here in full at its own limit price, exactly, in Decimal; each symbol is marked at its last
fill price. Equity = usdt_balance + sum(quantity * mark). A task closes by itself at its deadline
(`deadline`), when equity falls to or below starting capital * (1 - stop_loss_bps / 10000)
(`stop_loss`) or reaches starting capital * (1 + target_return_bps / 10000) (`target_return`,
when target_return_bps > 0); closing sells every position at its mark.

The order message a provider signs (EIP-191 personal_sign), fields exactly as sent:

    AACP:tee-order:<jobId>:<symbol>:<side>:<quantity>:<price>:<nonce>

<jobId> may be either spelling of the id (decimal or bytes32 hex); <nonce> is the order's
`nonce` (empty when absent). An executed message can never execute again: to repeat an order,
change the nonce.

The report the enclave signs (EIP-191 personal_sign by the enclave key) is the canonical JSON
(keys sorted, no spaces) of {"balance_report", "closed_reason", "job_id", "state"}, with job_id
the decimal id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ecies
from eth_account import Account
from eth_account.messages import encode_defunct

from tee_gateway.attestation import Attestation
from tee_gateway.ids import as_bytes32, parse_job_id

_DECIMAL = re.compile(r"^[0-9]{1,30}(\.[0-9]{1,18})?$")
_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$")
_NONCE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX = re.compile(r"^(0x)?[0-9a-fA-F]{2,8192}$")
_SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")
BPS = Decimal(10_000)
logger = logging.getLogger("tee_gateway")
CENT = Decimal("0.01")


class GatewayError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def money(value: Decimal) -> str:
    """Exact, at least two decimals ("10500.00"), never exponent notation."""
    return format(value.quantize(CENT) if value == value.quantize(CENT) else value.normalize(), "f")


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def order_message(*, job_id: str, symbol: str, side: str, quantity: str, price: str, nonce: str) -> str:
    return f"AACP:tee-order:{job_id}:{symbol}:{side}:{quantity}:{price}:{nonce}"


def _decimal(raw: object, name: str) -> Decimal:
    if not isinstance(raw, str) or not _DECIMAL.match(raw) or Decimal(raw) <= 0:
        raise GatewayError(400, "INVALID_ORDER", f'{name} must be a positive decimal string, e.g. "0.01".')
    return Decimal(raw)


def _int(raw: object, name: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise GatewayError(400, "INVALID_PARAMS", f"{name} must be an integer from {low} to {high}.")
    return raw


def _recover(message: str, signature: str) -> str | None:
    try:
        return Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # eth-account raises several types for unrecoverable signatures
        return None


class Book:
    def __init__(
        self, *, connection: sqlite3.Connection, attestation: Attestation, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.attestation, self.clock = connection, attestation, clock
        self.lock = threading.Lock()
        # The decrypted API keys, only ever in this process's memory (the file has the ciphertext).
        self._api_keys: dict[str, bytes] = {}
        for row in self.db.execute("SELECT job_id, encrypted_api_key FROM tasks"):
            try:
                self._api_keys[row["job_id"]] = self._decrypt(row["encrypted_api_key"])
            except GatewayError:
                # Encrypted to another enclave key (the state dir outlived its key): the task's
                # record stays readable, but it holds no usable key.
                logger.warning("task %s: its API key does not decrypt with this enclave key", row["job_id"])

    def _decrypt(self, encrypted_hex: str) -> bytes:
        try:
            return ecies.decrypt(
                self.attestation.private_key.to_bytes(), bytes.fromhex(encrypted_hex.removeprefix("0x"))
            )
        except Exception:  # eciespy raises several types for ciphertexts not made for this key
            raise GatewayError(
                400, "API_KEY_UNDECRYPTABLE", "encrypted_api_key is not an ECIES ciphertext for tee_pubkey."
            ) from None

    # -- job init ---------------------------------------------------------------------------
    def init_task(self, body: dict[str, Any]) -> dict[str, Any]:
        number = parse_job_id(body.get("job_id"))
        if number is None:
            raise GatewayError(400, "INVALID_JOB_ID", "job_id must be a decimal id or a bytes32 hex string.")
        params = body.get("params")
        if not isinstance(params, dict):
            raise GatewayError(400, "INVALID_PARAMS", "params must be an object.")
        stop_loss = _int(params.get("stop_loss_bps"), "params.stop_loss_bps", 1, 10_000)
        target = _int(params.get("target_return_bps"), "params.target_return_bps", 0, 1_000_000)
        max_trades = _int(params.get("max_daily_trades"), "params.max_daily_trades", 1, 100_000)
        deadline = _int(body.get("deadline"), "deadline", 0, 2**63 - 1)
        if deadline <= self.clock():
            raise GatewayError(400, "DEADLINE_PASSED", "deadline is in the past.")
        provider = body.get("provider_address")
        if not isinstance(provider, str) or not _ADDRESS.match(provider):
            raise GatewayError(400, "INVALID_PROVIDER", "provider_address must be a 0x address.")
        capital_raw = body.get("starting_capital")
        if not isinstance(capital_raw, str) or not _DECIMAL.match(capital_raw) or Decimal(capital_raw) <= 0:
            raise GatewayError(400, "INVALID_CAPITAL", "starting_capital must be a positive decimal string.")
        encrypted = body.get("encrypted_api_key")
        if not isinstance(encrypted, str) or not _HEX.match(encrypted):
            raise GatewayError(400, "INVALID_API_KEY", "encrypted_api_key must be hex (the ECIES ciphertext).")
        api_key = self._decrypt(encrypted)
        job_id = str(number)
        with self.lock:
            if self.db.execute("SELECT 1 FROM tasks WHERE job_id = ?", (job_id,)).fetchone():
                raise GatewayError(409, "TASK_EXISTS", f"Job {job_id} is already initialised.")
            self.db.execute(
                "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', NULL, ?, NULL)",
                (
                    job_id,
                    provider,
                    encrypted,
                    stop_loss,
                    target,
                    max_trades,
                    deadline,
                    capital_raw,
                    capital_raw,
                    int(self.clock()),
                ),
            )
            self._api_keys[job_id] = api_key
        return {
            "job_id": job_id,
            "job_id_bytes32": as_bytes32(number),
            "state": "running",
            "params": {"stop_loss_bps": stop_loss, "target_return_bps": target, "max_daily_trades": max_trades},
            "deadline": deadline,
            "attestation_type": self.attestation.attestation_type,
        }

    # -- tasks ------------------------------------------------------------------------------
    def _task(self, raw_job_id: str) -> sqlite3.Row:
        number = parse_job_id(raw_job_id)
        if number is None:
            raise GatewayError(400, "INVALID_JOB_ID", "jobId must be a decimal id or a bytes32 hex string.")
        row = self.db.execute("SELECT * FROM tasks WHERE job_id = ?", (str(number),)).fetchone()
        if row is None:
            raise GatewayError(404, "JOB_NOT_FOUND", f"No TEE task for job {number}.")
        return row

    def _positions(self, job_id: str) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM positions WHERE job_id = ? ORDER BY symbol", (job_id,)).fetchall()

    def _equity(self, task: sqlite3.Row) -> Decimal:
        held = sum(
            (Decimal(p["quantity"]) * Decimal(p["mark_price"]) for p in self._positions(task["job_id"])), Decimal(0)
        )
        return Decimal(task["usdt_balance"]) + held

    def _close(self, task: sqlite3.Row, reason: str) -> None:
        proceeds = sum(
            (Decimal(p["quantity"]) * Decimal(p["mark_price"]) for p in self._positions(task["job_id"])), Decimal(0)
        )
        self.db.execute("DELETE FROM positions WHERE job_id = ?", (task["job_id"],))
        self.db.execute(
            "UPDATE tasks SET state = 'closed', closed_reason = ?, closed_at = ?, usdt_balance = ? WHERE job_id = ?",
            (reason, int(self.clock()), str(Decimal(task["usdt_balance"]) + proceeds), task["job_id"]),
        )

    def _review(self, task: sqlite3.Row) -> sqlite3.Row:
        """Closes a running task whose deadline passed or whose equity hit a limit; the fresh row."""
        if task["state"] != "running":
            return task
        capital = Decimal(task["starting_capital"])
        equity = self._equity(task)
        reason = None
        if self.clock() >= task["deadline"]:
            reason = "deadline"
        elif equity <= capital * (BPS - task["stop_loss_bps"]) / BPS:
            reason = "stop_loss"
        elif task["target_return_bps"] > 0 and equity >= capital * (BPS + task["target_return_bps"]) / BPS:
            reason = "target_return"
        if reason is None:
            return task
        self._close(task, reason)
        return self.db.execute("SELECT * FROM tasks WHERE job_id = ?", (task["job_id"],)).fetchone()

    def sweep(self) -> None:
        """Closes every running task that is due (the server calls this every few seconds)."""
        with self.lock:
            for task in self.db.execute("SELECT * FROM tasks WHERE state = 'running'").fetchall():
                self._review(task)

    # -- orders -----------------------------------------------------------------------------
    def place_order(self, raw_job_id: str, body: dict[str, Any]) -> dict[str, Any]:
        order, signature = body.get("order"), body.get("provider_signature")
        if not isinstance(order, dict):
            raise GatewayError(400, "INVALID_ORDER", "order must be an object.")
        symbol, side = order.get("symbol"), order.get("side")
        if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
            raise GatewayError(400, "INVALID_ORDER", "order.symbol must look like BTC/USDT.")
        if side not in ("buy", "sell"):
            raise GatewayError(400, "INVALID_ORDER", "order.side must be buy or sell.")
        quantity, price = _decimal(order.get("quantity"), "order.quantity"), _decimal(order.get("price"), "order.price")
        nonce = order.get("nonce", "")
        if nonce != "" and (not isinstance(nonce, str) or not _NONCE.match(nonce)):
            raise GatewayError(400, "INVALID_ORDER", "order.nonce must be 1-64 of [A-Za-z0-9_.-].")
        if not isinstance(signature, str) or not _SIGNATURE.match(signature):
            raise GatewayError(
                400, "INVALID_SIGNATURE_FORMAT", "provider_signature must be a 65-byte 0x-hex signature."
            )
        with self.lock:
            task = self._task(raw_job_id)
            job_id = task["job_id"]
            fields = {
                "symbol": symbol,
                "side": side,
                "quantity": order["quantity"],
                "price": order["price"],
                "nonce": nonce,
            }
            signed = None
            for spelling in (job_id, as_bytes32(int(job_id))):
                message = order_message(job_id=spelling, **fields)
                if (_recover(message, signature) or "").lower() == task["provider"].lower():
                    signed = message
                    break
            if signed is None:
                raise GatewayError(
                    401,
                    "PROVIDER_SIGNATURE_INVALID",
                    "provider_signature is not the job provider's "
                    f"signature of {order_message(job_id=job_id, **fields)!r}.",
                )
            task = self._review(task)
            if task["state"] != "running":
                raise GatewayError(409, "TASK_CLOSED", f"The task is closed ({task['closed_reason']}).")
            message_hash = hashlib.sha256(signed.encode()).hexdigest()
            if self.db.execute(
                "SELECT 1 FROM orders WHERE job_id = ? AND message_hash = ?", (job_id, message_hash)
            ).fetchone():
                raise GatewayError(401, "ORDER_REPLAYED", "This signed order was already executed; sign a new nonce.")
            day = datetime.fromtimestamp(self.clock(), UTC).date().isoformat()
            today = self.db.execute(
                "SELECT COUNT(*) FROM orders WHERE job_id = ? AND day = ?", (job_id, day)
            ).fetchone()[0]
            if today >= task["max_daily_trades"]:
                raise GatewayError(
                    409, "DAILY_TRADE_LIMIT", f"max_daily_trades ({task['max_daily_trades']}) reached for {day} UTC."
                )
            self._fill(task, symbol=symbol, side=side, quantity=quantity, price=price)
            cursor = self.db.execute(
                "INSERT INTO orders (job_id, message_hash, symbol, side, quantity, price, day, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, message_hash, symbol, side, str(quantity), str(price), day, int(self.clock())),
            )
            task = self._review(self.db.execute("SELECT * FROM tasks WHERE job_id = ?", (job_id,)).fetchone())
            return {
                "order_id": cursor.lastrowid,
                "status": "filled",
                "order": {**fields, "filled_quantity": str(quantity), "fill_price": str(price)},
                "trades_today": today + 1,
                **self._report(task),
            }

    def _fill(self, task: sqlite3.Row, *, symbol: str, side: str, quantity: Decimal, price: Decimal) -> None:
        job_id, usdt = task["job_id"], Decimal(task["usdt_balance"])
        held = self.db.execute("SELECT * FROM positions WHERE job_id = ? AND symbol = ?", (job_id, symbol)).fetchone()
        have, avg = (Decimal(held["quantity"]), Decimal(held["avg_price"])) if held else (Decimal(0), Decimal(0))
        notional = quantity * price
        if side == "buy":
            if notional > usdt:
                raise GatewayError(400, "INSUFFICIENT_BALANCE", f"The order costs {notional}; the task has {usdt}.")
            usdt -= notional
            avg = (have * avg + notional) / (have + quantity)
            have += quantity
        else:
            if quantity > have:
                raise GatewayError(400, "INSUFFICIENT_POSITION", f"The task holds {have} {symbol}; no short selling.")
            usdt += notional
            have -= quantity
        self.db.execute("UPDATE tasks SET usdt_balance = ? WHERE job_id = ?", (str(usdt), job_id))
        if have == 0:
            self.db.execute("DELETE FROM positions WHERE job_id = ? AND symbol = ?", (job_id, symbol))
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO positions VALUES (?, ?, ?, ?, ?)",
                (job_id, symbol, str(have), str(avg), str(price)),
            )

    # -- status -----------------------------------------------------------------------------
    def _report(self, task: sqlite3.Row) -> dict[str, Any]:
        positions = [
            {
                "symbol": p["symbol"],
                "quantity": format(Decimal(p["quantity"]).normalize(), "f"),
                "avg_price": money(Decimal(p["avg_price"])),
                "mark_price": money(Decimal(p["mark_price"])),
            }
            for p in self._positions(task["job_id"])
        ]
        balance_report = {
            "usdt_balance": money(Decimal(task["usdt_balance"])),
            "positions": positions,
            "equity": money(self._equity(task)),
            "starting_capital": money(Decimal(task["starting_capital"])),
        }
        signed = {
            "balance_report": balance_report,
            "closed_reason": task["closed_reason"],
            "job_id": task["job_id"],
            "state": task["state"],
        }
        signature = Account.sign_message(
            encode_defunct(text=canonical_json(signed)), private_key=self.attestation.private_key.to_bytes()
        ).signature
        return {
            **signed,
            "enclave_signature": "0x" + bytes(signature).hex(),
            "attestation_type": self.attestation.attestation_type,
            "tee_address": self.attestation.address,
        }

    def status(self, raw_job_id: str) -> dict[str, Any]:
        with self.lock:
            task = self._review(self._task(raw_job_id))
            return {**self._report(task), "deadline": task["deadline"]}
