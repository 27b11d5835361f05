"""A proof made in this process, in the bytes ACPCore's complete()/reject() take: for callers that
have the circuit's inputs at hand and no prover service to ask (tests, the benchmark).

Same statements and same snarkjs run as the service's worker; proofs are cached by request, since
a proof is a pure function of the statement up to its randomness and any valid one will do.
"""

from __future__ import annotations

import functools
import json

from prover.ceremony import setup_circuit
from prover.statements import STRATEGIES, encode_proof, encode_words, parse_request
from prover.worker import prove


@functools.cache
def _evidence(request_json: str) -> tuple[bytes, bytes]:
    statement = parse_request(json.loads(request_json))
    answer = prove(setup_circuit(statement.circuit)[0], statement.input, timeout=300)
    proof = encode_proof(answer["calldata"])
    return bytes.fromhex(proof[2:]), bytes.fromhex(encode_words(answer["publicSignals"])[2:])


def evidence(request: dict) -> tuple[bytes, bytes]:
    """(zkProof, publicInputs) for a prover request (prover/statements.py); BadRequest or
    ProofFailed when it cannot be proved."""
    return _evidence(json.dumps({"callbackRef": "local", **request}, sort_keys=True))


STRATEGY_NAMES = tuple(STRATEGIES)  # by ACPCore's numbering


def deliverable_evidence(job_id: int, job: dict) -> tuple[bytes, bytes]:
    """(zkProof, publicInputs) of the deliverable circuit for a job as ACPCore's getJob has it."""
    return evidence(
        {
            "jobId": str(job_id),
            "strategyType": STRATEGY_NAMES[job["strategyType"]],
            "deliverableHash": "0x" + bytes(job["deliverableHash"]).hex(),
            "programHash": "0x" + bytes(job["programHash"]).hex(),
            "rubricHash": "0x" + bytes(job["rubricHash"]).hex(),
        }
    )
