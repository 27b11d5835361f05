"""The prover's journal across restarts: a killed process loses no proof and makes none twice."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from tests.prover.support import ROOT, deliverable_request, prover_process, verifies


def _journal(state_dir) -> list[sqlite3.Row]:
    db = sqlite3.connect(state_dir / "prover.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM proofs ORDER BY created_at").fetchall()
    finally:
        db.close()


def test_a_prover_killed_mid_proof_ends_with_exactly_one_proof_once_back(groth16_setup, tmp_path):
    state = tmp_path / "prover"
    refs = [f"job-{n}" for n in range(4)]
    with prover_process(state) as prover:
        ids = {ref: prover.submit(deliverable_request(ref)).json()["proofId"] for ref in refs}
        # Kill while one proof is being made: started, not finished (one at a time, so the
        # second starts as soon as the first is stored).
        deadline = time.monotonic() + 60
        while not any(
            row["started_at"] and not row["finished_at"] and row["attempts"] == 1 for row in _journal(state)[1:]
        ):
            assert time.monotonic() < deadline, "no proof was ever seen in progress"
            time.sleep(0.01)
        prover.kill()
    interrupted = [row["id"] for row in _journal(state) if row["started_at"] and not row["finished_at"]]
    assert interrupted, "the kill came after every proof was made"

    with prover_process(state) as prover:
        again = {ref: prover.submit(deliverable_request(ref)).json()["proofId"] for ref in refs}
        finished = {ref: prover.wait_finished(proof_id) for ref, proof_id in ids.items()}

    assert again == ids  # a client retrying after the crash gets the same proofs
    assert all(body["state"] == "READY" for body in finished.values())
    assert all(verifies("deliverable", body["proof"], body["publicInputs"]) for body in finished.values())
    rows = _journal(state)
    assert sorted(row["callback_ref"] for row in rows) == sorted(refs)
    by_id = {row["id"]: row for row in rows}
    assert [by_id[proof_id]["attempts"] for proof_id in interrupted] == [2] * len(interrupted)


def test_a_request_answered_before_a_restart_is_still_there_after_it(groth16_setup, tmp_path):
    state = tmp_path / "prover"
    with prover_process(state) as prover:
        proof_id = prover.submit(deliverable_request("kept")).json()["proofId"]
        first = prover.wait_finished(proof_id)

    with prover_process(state) as prover:
        assert prover.status(proof_id) == first
        assert prover.submit(deliverable_request("kept")).json()["proofId"] == proof_id


def test_the_prover_refuses_to_start_without_a_trusted_setup(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "prover"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "GROTH16_BUILD_DIR": str(tmp_path / "none"), "PROVER_STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "groth16_setup" in result.stderr
