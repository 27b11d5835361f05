"""Demo data on a local chain, made of real transactions, so `make run`'s explorer has agents and
jobs in every early state (OPEN, FUNDED, SUBMITTED), one under evaluation (the prover proves it
once `make run`'s processes are up) and one COMPLETED with a Groth16 proof verified on chain, for
the follower to index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from apps.jobs.chain.artifacts import contract_at
from apps.jobs.chain.deploy import USDC
from prover.evidence import deliverable_evidence

PROGRAM = 0  # StrategyType
AACP, EXTERNAL = 0, 1  # agent source
NO_EVALUATOR = 255

STAKE = 500 * USDC
CLIENT_FUNDS = 10_000 * USDC
JOB_BUDGETS = (250 * USDC, 500 * USDC, 750 * USDC, 300 * USDC, 400 * USDC)
JOB_LASTS = 7 * 24 * 3600  # seconds from now to each demo job's deadline

# (account index, name, source, evaluator capability, reputation score or None for the default)
DEMO_AGENTS = (
    (1, "Demo Client", AACP, NO_EVALUATOR, None),
    (2, "Demo Provider Alpha", EXTERNAL, NO_EVALUATOR, 85),
    (3, "Demo Provider Beta", AACP, NO_EVALUATOR, 75),
    (4, "Demo Program Evaluator", EXTERNAL, PROGRAM, 90),
)


@dataclass
class DemoSummary:
    skipped: bool
    agents: dict[str, int] = field(default_factory=dict)  # name -> agent id
    jobs: dict[str, int] = field(default_factory=dict)  # status it was left in -> job id


def seed_demo_chain(w3: Web3, contracts: dict[str, str], *, accounts: Sequence[str]) -> DemoSummary:
    """Register four agents (a client, two providers, a PROGRAM evaluator) owned by accounts[1..4],
    stake 500 USDC for each, score the providers and the evaluator, and leave five jobs: OPEN,
    FUNDED, SUBMITTED, SUBMITTED under evaluation (EVALUATING) and COMPLETED, the last settled
    with a Groth16 proof made here (prover/evidence.py: the circuits' setup is needed).

    `contracts` is `{name: address}` of a deployment; `accounts` are addresses the node signs for,
    accounts[0] being the deployer (Reputation's admin, the only one who may set scores).
    Idempotent per chain: nothing is sent when the registry already has agents."""
    usdc, registry, staking, reputation, core = (
        contract_at(w3, name, contracts[name])
        for name in ("MockUSDC", "AgentRegistry", "Staking", "Reputation", "ACPCore")
    )
    if registry.functions.agentCount().call() > 0:
        return DemoSummary(skipped=True)
    admin = Web3.to_checksum_address(accounts[0])
    summary = DemoSummary(skipped=False)
    owners: dict[int, str] = {}
    for index, name, source, capability, score in DEMO_AGENTS:
        owner = Web3.to_checksum_address(accounts[index])
        receipt = _send(w3, registry.functions.registerAgent(owner, name, source, capability), owner)
        agent_id = registry.events.AgentRegistered().process_receipt(receipt, errors=DISCARD)[0]["args"]["agentId"]
        summary.agents[name] = agent_id
        owners[agent_id] = owner
        funds = STAKE + (CLIENT_FUNDS if index == 1 else 0)
        _send(w3, usdc.functions.mint(owner, funds), owner)
        _send(w3, usdc.functions.approve(staking.address, STAKE), owner)
        _send(w3, staking.functions.stake(agent_id, STAKE), owner)
        if score is not None:
            _send(w3, reputation.functions.setScore(agent_id, score), admin)

    client_id, alpha_id, beta_id, evaluator_id = sorted(owners)
    client = owners[client_id]
    deadline = w3.eth.get_block("latest")["timestamp"] + JOB_LASTS
    job_ids = []
    for number, budget in enumerate(JOB_BUDGETS, start=1):
        program_hash = Web3.keccak(text=f"demo program {number}")
        call = core.functions.createJob(client_id, budget, deadline, PROGRAM, program_hash, b"\0" * 32)
        receipt = _send(w3, call, client)
        job_ids.append(core.events.JobCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["jobId"])
    open_job, funded_job, submitted_job, evaluating_job, completed_job = job_ids
    for job_id, budget, provider_id in (
        (funded_job, JOB_BUDGETS[1], alpha_id),
        (submitted_job, JOB_BUDGETS[2], beta_id),
        (evaluating_job, JOB_BUDGETS[3], alpha_id),
        (completed_job, JOB_BUDGETS[4], beta_id),
    ):
        _send(w3, usdc.functions.approve(core.address, budget), client)
        _send(w3, core.functions.setBudget(job_id, budget), client)
        _send(w3, core.functions.setProvider(job_id, provider_id), client)
    deliverable = Web3.keccak(text="ipfs://demo-deliverable")
    for job_id, provider_id in ((submitted_job, beta_id), (evaluating_job, alpha_id), (completed_job, beta_id)):
        _send(w3, core.functions.submit(job_id, deliverable), owners[provider_id])
    for job_id in (evaluating_job, completed_job):
        _send(w3, core.functions.evaluate(job_id, evaluator_id), owners[evaluator_id])
    zk_proof, public_inputs = deliverable_evidence(completed_job, _named_job(core, completed_job))
    settle = core.functions.complete(completed_job, zk_proof, public_inputs, b"", b"", 1, True, 0)
    _send(w3, settle, owners[evaluator_id])
    summary.jobs = {
        "OPEN": open_job,
        "FUNDED": funded_job,
        "SUBMITTED": submitted_job,
        "EVALUATING": evaluating_job,
        "COMPLETED": completed_job,
    }
    return summary


def _named_job(core: Contract, job_id: int) -> dict:
    abi = next(item for item in core.abi if item.get("name") == "getJob")
    names = [component["name"] for component in abi["outputs"][0]["components"]]
    return dict(zip(names, core.functions.getJob(job_id).call(), strict=True))


def _send(w3: Web3, call: ContractFunction, sender: str) -> TxReceipt:
    tx_hash = call.transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return receipt
