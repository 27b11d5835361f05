"""The prover's journal: one SQLite file under the state dir (var/prover/ by default).

A request is written here, committed, before it is answered 202 or worked on; `callback_ref` is
unique, so the same reference always comes back to the same row and proof id, across restarts.
A row is PROVING until the worker stores its proof (READY) or its failure (FAILED), once: both
writes are conditional on the row still being PROVING, so a proof is never stored twice. On start
every row still PROVING is queued again: a proof the process died making is made again, whole.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from prover.statements import Statement

SCHEMA = """
CREATE TABLE IF NOT EXISTS proofs (
    id TEXT PRIMARY KEY,
    callback_ref TEXT NOT NULL UNIQUE,
    circuit TEXT NOT NULL,
    input TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('PROVING', 'READY', 'FAILED')),
    proof TEXT,
    public_inputs TEXT,
    public_signals TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    proving_ms INTEGER
);
"""
# A request that killed the process this many times is failed rather than tried forever.
MAX_ATTEMPTS = 3


class Journal:
    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(state_dir / "prover.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def record(self, statement: Statement) -> tuple[str, bool]:
        """The proof id for the request's reference, and whether this call created it."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO proofs (id, callback_ref, circuit, input, state, created_at)"
                " VALUES (?, ?, ?, ?, 'PROVING', ?) ON CONFLICT (callback_ref) DO NOTHING",
                (uuid.uuid4().hex, statement.callback_ref, statement.circuit, json.dumps(statement.input), time.time()),
            )
            row = self._db.execute("SELECT id FROM proofs WHERE callback_ref = ?", (statement.callback_ref,)).fetchone()
            return row["id"], cursor.rowcount == 1

    def get(self, proof_id: str) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute("SELECT * FROM proofs WHERE id = ?", (proof_id,)).fetchone()

    def unfinished(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM proofs WHERE state = 'PROVING' ORDER BY created_at").fetchall()
        return [row["id"] for row in rows]

    def start(self, proof_id: str) -> sqlite3.Row | None:
        """Marks an attempt begun; the row to prove, or None when it is finished or failed here
        for having crashed the process `MAX_ATTEMPTS` times."""
        with self._lock:
            row = self._db.execute("SELECT * FROM proofs WHERE id = ?", (proof_id,)).fetchone()
            if row is None or row["state"] != "PROVING":
                return None
            if row["attempts"] >= MAX_ATTEMPTS:
                self._finish(proof_id, state="FAILED", error=f"proving stopped the prover {MAX_ATTEMPTS} times")
                return None
            self._db.execute(
                "UPDATE proofs SET attempts = attempts + 1, started_at = ? WHERE id = ?", (time.time(), proof_id)
            )
            return self._db.execute("SELECT * FROM proofs WHERE id = ?", (proof_id,)).fetchone()

    def _finish(self, proof_id: str, **fields: Any) -> bool:
        fields["finished_at"] = time.time()
        names = ", ".join(f"{name} = ?" for name in fields)
        cursor = self._db.execute(
            f"UPDATE proofs SET {names} WHERE id = ? AND state = 'PROVING'",  # noqa: S608 - our own column names
            (*fields.values(), proof_id),
        )
        return cursor.rowcount == 1

    def ready(self, proof_id: str, *, proof: str, public_inputs: str, public_signals: list[str], ms: int) -> bool:
        with self._lock:
            return self._finish(
                proof_id,
                state="READY",
                proof=proof,
                public_inputs=public_inputs,
                public_signals=json.dumps(public_signals),
                proving_ms=ms,
            )

    def failed(self, proof_id: str, *, error: str, ms: int | None = None) -> bool:
        with self._lock:
            return self._finish(proof_id, state="FAILED", error=error[:1000], proving_ms=ms)
