"""Groth16 proofs (issue 15): proof time per strategy through the prover service, and the gas of
each on-chain verifier per call.

The circuits' development setup is made first if missing (var/groth16, cached). A prover runs as
the Procfile runs it (`python -m prover`, its journal in a temporary directory) and is sent
`--proofs` requests per statement, one after another; each is timed from POST to READY (what a
caller waits) beside the prover's own `provingMs` (witness, proof and its verification). Then a
fresh anvil gets both snarkjs-exported verifiers (compiled with solcjs) and one proof of each is
verified by a call, which must answer true, then by a transaction calling `verifyProof` with ample
gas, whose gas used is printed (21,000 of base cost and the calldata included, as a caller pays
them). Not `eth_estimateGas`: the verifier answers false rather than reverting when its pairing
runs out of gas, so an estimate finds the gas of a failed check.

    python -m tests.bench groth16 [--proofs N]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from tests.bench.auth_me import server_environment

HASH_C, HASH_E = "0x" + "cd" * 32, "0x" + "ef" * 32
STATEMENTS = {
    "CEX_CAPITAL (target met)": {
        "jobId": "7",
        "strategyType": "CEX_CAPITAL",
        "cex": {
            "capital": "10000000000",
            "stopLossBps": 1000,
            "targetReturnBps": 2000,
            "endEquity": "16500000000",
            "minEquity": "9800000000",
            "reportHash": "0x" + "ab" * 32,
            "enclaveKey": "0x04" + "11" * 64,
        },
    },
    "PROGRAM": {"jobId": "8", "strategyType": "PROGRAM", "deliverableHash": HASH_C, "programHash": HASH_E},
    "RUBRIC": {"jobId": "9", "strategyType": "RUBRIC", "deliverableHash": HASH_C, "rubricHash": HASH_E},
    "HYBRID": {
        "jobId": "10",
        "strategyType": "HYBRID",
        "deliverableHash": HASH_C,
        "programHash": HASH_E,
        "rubricHash": "0x" + "12" * 32,
    },
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench groth16", description=__doc__.split("\n\n")[0])
    parser.add_argument("--proofs", type=int, default=5, help="proofs per statement (5)")
    args = parser.parse_args(argv)
    if args.proofs < 1:
        parser.error("--proofs must be positive")
    return args


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):7.0f} ms   min {min(values):7.0f}   max {max(values):7.0f}"


def prove_times(count: int) -> dict[str, dict]:
    """Per statement: the last READY answer, and the prover's and the caller's times."""
    from tests.prover.support import prover_process

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as state, prover_process(Path(state)) as prover:
        for name, request in STATEMENTS.items():
            own, waited = [], []
            for n in range(count):
                started = time.monotonic()
                proof_id = prover.submit({**request, "callbackRef": f"bench-{name[:6]}-{n}"}).json()["proofId"]
                body = prover.wait_finished(proof_id, timeout=300)
                waited.append((time.monotonic() - started) * 1000)
                if body["state"] != "READY":
                    raise SystemExit(f"{name}: the prover answered {body}")
                own.append(body["provingMs"])
            results[name] = {"answer": body, "own": own, "waited": waited}
            print(f"  {name:<26} prover {_ms(own)}   POST to READY {_ms(waited)}", flush=True)
    return results


def verifier_gas(results: dict[str, dict]) -> None:
    from web3 import HTTPProvider, Web3

    from apps.jobs.chain.verifiers import compiled_verifier
    from scripts.local_chain import ANVIL, anvil_node
    from tests.core.servers import free_port
    from tests.prover.support import words

    if not ANVIL.exists():
        print("  skipped: anvil is missing (npm install)")
        return
    with anvil_node(binary=ANVIL, port=free_port()) as url:
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 60}))
        sender = w3.eth.accounts[0]
        for circuit, name in (("cex_capital", "CEX_CAPITAL (target met)"), ("deliverable", "PROGRAM")):
            compiled = compiled_verifier(circuit)
            factory = w3.eth.contract(abi=compiled["abi"], bytecode=compiled["bytecode"])
            deployed = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": sender}))
            verifier = w3.eth.contract(address=deployed["contractAddress"], abi=compiled["abi"])
            answer = results[name]["answer"]
            p, signals = words(answer["proof"]), words(answer["publicInputs"])
            call = verifier.functions.verifyProof(p[0:2], [p[2:4], p[4:6]], p[6:8], signals)
            if call.call() is not True:
                raise SystemExit(f"the {circuit} verifier refused a proof the prover verified")
            sent = call.transact({"from": sender, "gas": 2_000_000})
            gas = w3.eth.wait_for_transaction_receipt(sent)["gasUsed"]
            print(
                f"  {circuit:<12} verifyProof: {gas:,} gas per call ({len(signals)} public signals; "
                f"deployment {deployed['gasUsed']:,} gas)",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env, _ = server_environment()
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per poll otherwise
    from prover.ceremony import setup_all

    started = time.monotonic()
    made = [built.name for built, fresh in setup_all() if fresh]
    print(f"setup: {'made for ' + ', '.join(made) if made else 'cached'} ({time.monotonic() - started:.1f} s)")
    print(f"proof time per strategy ({args.proofs} proofs each, one at a time, as the prover works):", flush=True)
    results = prove_times(args.proofs)
    print("on-chain verification (anvil):", flush=True)
    verifier_gas(results)
    return 0
