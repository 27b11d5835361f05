"""The gateway's state on disk: one SQLite file under the state dir (var/tee/ by default).

Kept across restarts: tasks (with the API key as the client encrypted it, never in plaintext),
their paper positions and every executed order (which also makes a signed order single-use).
Amounts are Decimal strings, exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    job_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    encrypted_api_key TEXT NOT NULL,
    stop_loss_bps INTEGER NOT NULL,
    target_return_bps INTEGER NOT NULL,
    max_daily_trades INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    starting_capital TEXT NOT NULL,
    usdt_balance TEXT NOT NULL,
    state TEXT NOT NULL,
    closed_reason TEXT,
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE TABLE IF NOT EXISTS positions (
    job_id TEXT NOT NULL REFERENCES tasks(job_id),
    symbol TEXT NOT NULL,
    quantity TEXT NOT NULL,
    avg_price TEXT NOT NULL,
    mark_price TEXT NOT NULL,
    PRIMARY KEY (job_id, symbol)
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES tasks(job_id),
    message_hash TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT NOT NULL,
    day TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (job_id, message_hash)
);
"""


def connect(state_dir: Path) -> sqlite3.Connection:
    state_dir.mkdir(parents=True, exist_ok=True)
    # One connection shared by the server's threads, each use under the book's lock.
    connection = sqlite3.connect(state_dir / "gateway.sqlite3", check_same_thread=False, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.executescript(SCHEMA)
    return connection
