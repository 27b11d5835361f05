"""The one proving thread: requests are proved one at a time, in the order they were journaled.

One at a time is the issue's "one job at a time per worker": a Groth16 proof takes a second of
full CPU, and two at once on a small machine only make both slower. More throughput is more
prover processes (each its own state dir), not more threads in one.

Each proof runs `node prove.cjs` (snarkjs: witness, proof, then its own verification): a proof
that does not verify is never READY. The time recorded is the subprocess's, witness to verified.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import threading
import time
from pathlib import Path

from prover.ceremony import Artifacts
from prover.statements import encode_proof, encode_words
from prover.store import Journal

logger = logging.getLogger("prover")
PROVE_SCRIPT = Path(__file__).with_name("prove.cjs")
NODE = os.environ.get("NODE", "node")


class ProofFailed(Exception):
    pass


def prove(artifacts: Artifacts, circuit_input: dict, *, timeout: float) -> dict:
    """snarkjs's {"proof", "publicSignals", "calldata", "verified"} for the input, or ProofFailed."""
    try:
        result = subprocess.run(  # noqa: S603 - our own script and build outputs
            [NODE, str(PROVE_SCRIPT), str(artifacts.wasm), str(artifacts.zkey), str(artifacts.verification_key)],
            input=json.dumps(circuit_input),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=PROVE_SCRIPT.parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ProofFailed(f"proving took over {timeout:g} s") from None
    if result.returncode != 0:
        # snarkjs names the failed constraint ("Assert Failed. Error in template ...").
        raise ProofFailed(f"snarkjs could not prove: {result.stderr.strip()[-800:]}")
    answer = json.loads(result.stdout)
    if not answer.get("verified"):
        raise ProofFailed("the proof did not verify against the verification key")
    return answer


class Worker:
    def __init__(self, journal: Journal, circuits: dict[str, Artifacts], *, timeout: float) -> None:
        self.journal, self.circuits, self.timeout = journal, circuits, timeout
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="prover-worker", daemon=True)

    def start(self) -> None:
        for proof_id in self.journal.unfinished():
            self._queue.put(proof_id)
        self._thread.start()

    def enqueue(self, proof_id: str) -> None:
        self._queue.put(proof_id)

    def stop(self) -> None:
        self._queue.put(None)

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while (proof_id := self._queue.get()) is not None:
            try:
                self.work(proof_id)
            except Exception:  # the next request must still be proved; this one stays PROVING
                logger.exception("proof %s failed unexpectedly", proof_id)

    def work(self, proof_id: str) -> None:
        row = self.journal.start(proof_id)
        if row is None:
            return
        started = time.monotonic()
        try:
            answer = prove(self.circuits[row["circuit"]], json.loads(row["input"]), timeout=self.timeout)
        except ProofFailed as exc:
            self.journal.failed(proof_id, error=str(exc), ms=round((time.monotonic() - started) * 1000))
            logger.info("proof %s FAILED: %s", proof_id, exc)
            return
        ms = round((time.monotonic() - started) * 1000)
        self.journal.ready(
            proof_id,
            proof=encode_proof(answer["calldata"]),
            public_inputs=encode_words(answer["publicSignals"]),
            public_signals=answer["publicSignals"],
            ms=ms,
        )
        logger.info("proof %s READY (%s, %d ms)", proof_id, row["circuit"], ms)
