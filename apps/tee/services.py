"""Attested TEE snapshots on chain (issue 13): poll a job's status from the gateway, check the
enclave's signature, and submit its balance through ACPCore.reportSnapshot.

Decisions worth knowing:
- The reported value is the report's `usdt_balance` in USDC raw units (6 decimals), ROUNDED DOWN
  when the gateway reports more than 6 decimals: a snapshot never overstates the account, and
  refusing would stop a job's snapshots for good over dust. The exact figure stays in the signed
  balance_report kept with the Snapshot; a truncation is logged.
- The attestation bytes (97) are `report_hash (32) || enclave_signature (65, r||s||v)`, where
  report_hash = keccak256 of the canonical signed report JSON (apps/tee/verification.py's
  signed_payload, UTF-8) and the signature is the enclave's EIP-191 personal_sign over that same
  JSON text. Anyone with the balance_report can recompute the hash and recover the enclave address.
- A report is submitted at most once per job: TeeSnapshotReport's unique (job_id, report_hash) is
  claimed before the transaction is sent (beat and the admin action may race). An unchanged report
  is therefore not submitted again; a changed balance, position or state makes a new one.
- The follower creates the Snapshot row from the SnapshotReported log; the polled balance_report
  is attached to it by tx hash (apps/jobs/hooks.py, as the follower records it; or here, when
  the follower was faster).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from web3 import Web3

from apps.indexer.rpc import chain_client
from apps.jobs.chain.artifacts import contract_at
from apps.jobs.models import Job, JobStatus, Snapshot, StrategyType
from apps.jobs.selectors import deployed_contracts
from apps.tee import gateway_client
from apps.tee.models import TeeSnapshotReport
from apps.tee.verification import signed_payload, verify_report

logger = logging.getLogger(__name__)

USDC_DECIMALS = 6
# ACPCore.reportSnapshot accepts FUNDED or SUBMITTED jobs (there is no IN_PROGRESS status).
SNAPSHOT_STATUSES = (JobStatus.FUNDED, JobStatus.SUBMITTED)
RECEIPT_TIMEOUT_SECONDS = 120


class SnapshotRefused(Exception):
    """The report cannot be submitted (not a running CEX_CAPITAL job, bad signature, bad value)."""


@dataclass(frozen=True)
class SnapshotResult:
    job_id: int
    submitted: bool  # False: this exact report was submitted before
    report_hash: str
    reported_value: int
    tx_hash: str


def usdc_raw_units(amount: object) -> int:
    """A decimal string as USDC raw units, rounded down past 6 decimals; SnapshotRefused if it is
    not a finite non-negative decimal."""
    try:
        value = Decimal(str(amount)) if isinstance(amount, str) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise SnapshotRefused(f"usdt_balance {amount!r} is not a non-negative decimal string")
    raw = int((value * 10**USDC_DECIMALS).to_integral_value(rounding=ROUND_DOWN))
    if raw != value * 10**USDC_DECIMALS:
        logger.info("usdt_balance %s has more than %s decimals; reported rounded down", amount, USDC_DECIMALS)
    return raw


def attestation_bytes(*, report_hash: bytes, enclave_signature: str) -> bytes:
    signature = bytes.fromhex(enclave_signature.removeprefix("0x"))
    if len(report_hash) != 32 or len(signature) != 65:
        raise SnapshotRefused("the report hash must be 32 bytes and the enclave signature 65")
    return report_hash + signature


def running_cex_capital_job_ids() -> list[int]:
    return list(
        Job.objects.filter(strategy_type=StrategyType.CEX_CAPITAL, status__in=SNAPSHOT_STATUSES)
        .order_by("job_id")
        .values_list("job_id", flat=True)
    )


def attach_balance_report(*, tx_hash: str) -> int:
    """Copy the polled balance_report onto the follower's Snapshot row(s) of `tx_hash`."""
    report = TeeSnapshotReport.objects.filter(tx_hash=tx_hash).first()
    if report is None:
        return 0
    return Snapshot.objects.filter(tx_hash=tx_hash, balance_report__isnull=True).update(
        balance_report=report.balance_report
    )


def verified_status(job_id: int) -> dict[str, Any]:
    """The gateway's current status of the job, its enclave signature checked against the attested
    key; SnapshotRefused when it cannot be trusted, ApiError when the gateway is down or slow."""
    answer = gateway_client.status(str(job_id))  # ApiError (502/504) when the gateway is down or slow
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise SnapshotRefused(f"the TEE gateway answered {answer.status} for job {job_id}: {answer.body}")
    attested = gateway_client.attested_key()
    if attested is None:
        raise SnapshotRefused("the TEE gateway's attestation carries no enclave key")
    status = answer.body
    if str(status.get("job_id")) != str(job_id):
        raise SnapshotRefused(f"the gateway's report is for job {status.get('job_id')}, not {job_id}")
    if not verify_report(status, tee_pubkey=attested.tee_pubkey):
        raise SnapshotRefused(f"the enclave signature of job {job_id}'s report is invalid")
    if not isinstance(status.get("balance_report"), dict):
        raise SnapshotRefused(f"job {job_id}'s report has no balance_report")
    return status


def take_tee_snapshot(*, job_id: int) -> SnapshotResult:
    """Submit job `job_id`'s current attested balance on chain, once per distinct signed report."""
    job = Job.objects.filter(job_id=job_id).first()
    if job is None or job.strategy_type != StrategyType.CEX_CAPITAL or job.status not in SNAPSHOT_STATUSES:
        raise SnapshotRefused(f"job {job_id} is not a FUNDED or SUBMITTED CEX_CAPITAL job")
    status = verified_status(job_id)
    report = status["balance_report"]
    value = usdc_raw_units(report.get("usdt_balance"))
    digest = bytes(Web3.keccak(text=signed_payload(status)))
    report_hash = "0x" + digest.hex()
    attestation = attestation_bytes(report_hash=digest, enclave_signature=status["enclave_signature"])

    contracts = deployed_contracts(chain_id=settings.CHAIN_ID)
    if not contracts:
        raise SnapshotRefused(f"no ACPCore is deployed on chain {settings.CHAIN_ID}")
    w3 = chain_client()
    core = contract_at(w3, "ACPCore", contracts["ACPCore"])
    reporter = settings.TEE_SNAPSHOT_REPORTER or next(iter(w3.eth.accounts), "")
    if not reporter:
        raise SnapshotRefused("no reporter account (TEE_SNAPSHOT_REPORTER) and the node has none")

    try:
        with transaction.atomic():
            claim = TeeSnapshotReport.objects.create(
                job_id=job_id,
                report_hash=report_hash,
                reported_value=value,
                balance_report=report,
                enclave_signature=status["enclave_signature"],
                attestation="0x" + attestation.hex(),
            )
    except IntegrityError:
        earlier = TeeSnapshotReport.objects.get(job_id=job_id, report_hash=report_hash)
        return SnapshotResult(job_id, False, report_hash, int(earlier.reported_value), earlier.tx_hash)

    call = core.functions.reportSnapshot(job_id, value, attestation)
    try:
        tx_hash = call.transact({"from": Web3.to_checksum_address(reporter)}).to_0x_hex()
    except Exception:
        claim.delete()  # nothing was sent (a revert shows at gas estimation): the next poll may retry
        raise
    claim.tx_hash = tx_hash
    claim.save(update_fields=["tx_hash"])
    # A timeout here keeps the claim: the transaction may still land, and must not be sent twice.
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT_SECONDS)
    if receipt["status"] != 1:
        claim.delete()
        raise SnapshotRefused(f"reportSnapshot for job {job_id} reverted in {tx_hash}")
    claim.block_number = receipt["blockNumber"]
    claim.save(update_fields=["block_number"])
    attach_balance_report(tx_hash=tx_hash)
    logger.info("TEE snapshot of job %s submitted: %s raw USDC in %s", job_id, value, tx_hash)
    return SnapshotResult(job_id, True, report_hash, value, tx_hash)
