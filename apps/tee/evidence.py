"""The attested evidence a CEX_CAPITAL job's Groth16 proof is made from (issue 15).

What the prover gets (prover/statements.py's `cex`), and where each value comes from:
- capital, stopLossBps, targetReturnBps: the job's terms on the chain (setCexConfig), never the
  gateway's, so a proof cannot be of softer terms than the client set;
- endEquity: the equity of the gateway's current signed report, checked against the attested key;
- minEquity: the lowest equity among that report and every report submitted as a snapshot
  (TeeSnapshotReport), since the job was funded. A snapshot taken while equity dipped below the
  stop-loss line therefore fails the proof even if the account recovered afterwards;
- reportHash: keccak256 of the current report's canonical signed JSON (as snapshots use);
- enclaveKey: the attested uncompressed public key.
Amounts are USDC raw units, rounded down as snapshots round them (apps/tee/services.py).
"""

from __future__ import annotations

from typing import Any

from web3 import Web3

from apps.jobs.models import Job, StrategyType
from apps.tee import gateway_client
from apps.tee.models import TeeSnapshotReport
from apps.tee.services import SnapshotRefused, usdc_raw_units, verified_status
from apps.tee.verification import signed_payload


def _uncompressed(tee_pubkey: str) -> str:
    raw = bytes.fromhex(tee_pubkey.removeprefix("0x"))
    if len(raw) == 64:
        raw = b"\x04" + raw
    if len(raw) != 65 or raw[0] != 4:
        raise SnapshotRefused("the attested enclave key is not an uncompressed secp256k1 key")
    return "0x" + raw.hex()


def cex_proof_evidence(*, job: Job) -> dict[str, Any]:
    """The prover's `cex` object for a CEX_CAPITAL job. Raises SnapshotRefused when the gateway's
    report cannot be used (no task, bad signature), and ApiError (502/504) when it is down or slow."""
    if job.strategy_type != StrategyType.CEX_CAPITAL or job.cex_capital is None:
        raise SnapshotRefused(f"job {job.job_id} is not a CEX_CAPITAL job with trading terms")
    status = verified_status(job.job_id)
    attested = gateway_client.attested_key()
    if attested is None:
        raise SnapshotRefused("the TEE gateway's attestation carries no enclave key")
    end = usdc_raw_units(status["balance_report"].get("equity"))
    snapshots = TeeSnapshotReport.objects.filter(job_id=job.job_id).values_list("balance_report", flat=True)
    lowest = min([end, *(usdc_raw_units(report.get("equity")) for report in snapshots)])
    return {
        "capital": str(int(job.cex_capital)),
        "stopLossBps": job.stop_loss_bps,
        "targetReturnBps": job.target_return_bps,
        "endEquity": str(end),
        "minEquity": str(lowest),
        "reportHash": Web3.keccak(text=signed_payload(status)).to_0x_hex(),
        "enclaveKey": _uncompressed(attested.tee_pubkey),
    }
