"""The prover as a real process on loopback, and independent checks of what it answers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from prover.ceremony import artifacts
from tests.core.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
VERIFY_SCRIPT = Path(__file__).with_name("verify.cjs")
HASH_A = "0x" + "ab" * 32
HASH_B = "0x" + "cd" * 32
ENCLAVE_KEY = "0x04" + "11" * 32 + "22" * 32


class Prover:
    def __init__(self, url: str, process: subprocess.Popen, log: Path) -> None:
        self.url, self.process, self.log = url, process, log

    def submit(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(self.url + "/proofs", json=body, timeout=10)

    def status(self, proof_id: str) -> dict[str, Any]:
        return httpx.get(f"{self.url}/proofs/{proof_id}", timeout=10).json()

    def wait_finished(self, proof_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (body := self.status(proof_id))["state"] == "PROVING":
            assert time.monotonic() < deadline, f"proof {proof_id} still PROVING after {timeout} s"
            time.sleep(0.1)
        return body

    def kill(self) -> None:
        """SIGKILL: no handler runs, as when the machine or the OOM killer stops it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def prover_process(state_dir: Path, *, port: int | None = None, **env: str) -> Iterator[Prover]:
    """`python -m prover` (the Procfile's `prover`) on a free port; stopped on leaving."""
    port = port or free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / f"prover-{port}.log"
    child_env = {**os.environ, "PROVER_PORT": str(port), "PROVER_STATE_DIR": str(state_dir), **env}
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "prover"], cwd=ROOT, env=child_env, stdout=out, stderr=out)
    prover = Prover(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(prover.url + "/health", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the prover did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield prover
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def verifies(circuit: str, proof: str, public_inputs: str) -> bool:
    """snarkjs's own verification of a wire-format proof against the circuit's verification key."""
    result = subprocess.run(
        ["node", str(VERIFY_SCRIPT), str(artifacts(circuit).verification_key), proof, public_inputs],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    return result.stdout.strip() == "true"


def cex_request(ref: str, **cex: Any) -> dict[str, Any]:
    evidence = {
        "capital": "1000000000",  # 1,000 USDC
        "stopLossBps": 1000,
        "targetReturnBps": 500,
        "endEquity": "1060000000",
        "minEquity": "950000000",
        "reportHash": HASH_A,
        "enclaveKey": ENCLAVE_KEY,
        **cex,
    }
    return {"jobId": "7", "strategyType": "CEX_CAPITAL", "callbackRef": ref, "cex": evidence}


def deliverable_request(ref: str, **fields: Any) -> dict[str, Any]:
    return {
        "jobId": "8",
        "strategyType": "PROGRAM",
        "deliverableHash": HASH_A,
        "programHash": HASH_B,
        "rubricHash": "",
        "callbackRef": ref,
        **fields,
    }


def words(hex_value: str) -> list[int]:
    body = hex_value[2:]
    return [int(body[i : i + 64], 16) for i in range(0, len(body), 64)]
