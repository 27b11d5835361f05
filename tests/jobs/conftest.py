"""One eth-tester chain per session with the contracts deployed and five agents set up; every test
starts from that state (a chain snapshot is reverted after each test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_tester import EthereumTester
from eth_tester.exceptions import TransactionFailed
from eth_utils import event_abi_to_log_topic
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from apps.jobs.chain.artifacts import contract_at
from apps.jobs.chain.deploy import USDC, deploy_contracts
from prover.evidence import deliverable_evidence

PROGRAM, RUBRIC, HYBRID, CEX_CAPITAL = 0, 1, 2, 3
NO_EVALUATOR = 255
AACP, EXTERNAL = 0, 1
CLIENT_ROLE, PROVIDER_ROLE = 0, 1
OPEN, FUNDED, SUBMITTED, COMPLETED, REJECTED, EXPIRED, DISPUTED, ARBITRATED = range(8)

# Agent ids, in registration order.
CLIENT_ID, PROVIDER_ID, EVALUATOR_ID, CEX_EVALUATOR_ID, POOR_PROVIDER_ID = 1, 2, 3, 4, 5

CLIENT_FUNDS = 10_000 * USDC
CLIENT_STAKE = 200 * USDC
PROVIDER_STAKE_POOL = 500 * USDC
POOR_PROVIDER_STAKE_POOL = 50 * USDC
PROVIDER_SCORE = 80

TX_GAS = 3_000_000
BUDGET = 1_000 * USDC
PROGRAM_HASH = Web3.keccak(text="print('hello')")
DELIVERABLE_HASH = Web3.keccak(text="ipfs://deliverable")
TEE_ATTESTATION = b"\x03" * 1200
TEE_REPORT_DATA = b"\x04" * 64


CONTRACT_FIELDS = {
    "usdc": "MockUSDC",
    "registry": "AgentRegistry",
    "staking": "Staking",
    "reputation": "Reputation",
    "core": "ACPCore",
}


@contextmanager
def reverts(reason: str) -> Iterator[None]:
    """The transaction inside must revert with `reason` in its message."""
    with pytest.raises((TransactionFailed, ContractLogicError), match=re.escape(reason)):
        yield


@dataclass
class Chain:
    w3: Web3
    tester: EthereumTester
    deployer: str
    treasury: str
    arbiter: str
    reporter: str
    client: str
    provider: str
    evaluator: str
    cex_evaluator: str
    poor_provider: str
    stranger: str
    usdc: Contract
    registry: Contract
    staking: Contract
    reputation: Contract
    core: Contract

    def send(self, call: Any, sender: str) -> Any:
        # eth-tester estimates gas by a binary search that runs the call several times. Instead,
        # one eth_call on the pending block (where the transaction lands, after any time travel)
        # surfaces the revert reason, then the transaction runs once with a fixed gas limit.
        call.call({"from": sender}, block_identifier="pending")
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "gas": TX_GAS}))
        assert receipt["status"] == 1
        return receipt

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def travel_to(self, timestamp: int) -> None:
        """Move the clock: the next transaction is mined at exactly `timestamp`."""
        self.tester.time_travel(timestamp)

    def balance(self, address: str) -> int:
        return self.usdc.functions.balanceOf(address).call()

    def job(self, job_id: int) -> dict[str, Any]:
        """getJob as a dict keyed by the Job struct's field names."""
        return _named(self.core, "getJob", self.core.functions.getJob(job_id).call())

    def dispute(self, dispute_id: int) -> dict[str, Any]:
        return _named(self.core, "getDispute", self.core.functions.getDispute(dispute_id).call())

    def stake(self, agent_id: int) -> tuple[int, int]:
        """(available, locked) of the agent's pool."""
        return (
            self.staking.functions.available(agent_id).call(),
            self.staking.functions.locked(agent_id).call(),
        )

    def reputation_of(self, agent_id: int) -> tuple[int, int, int]:
        """(score, totalJobs, completedJobs)."""
        rep = self.reputation.functions
        return (
            rep.score(agent_id).call(),
            rep.totalJobs(agent_id).call(),
            rep.completedJobs(agent_id).call(),
        )

    # The seed's client, provider and evaluator flows, one step each.

    def create_job(
        self,
        *,
        budget: int = BUDGET,
        lasts: int = 3600,
        strategy: int = PROGRAM,
        program_hash: bytes = PROGRAM_HASH,
        rubric_hash: bytes = b"\0" * 32,
    ) -> int:
        call = self.core.functions.createJob(CLIENT_ID, budget, self.now() + lasts, strategy, program_hash, rubric_hash)
        return event(self.send(call, self.client), self.core, "JobCreated")["jobId"]

    def fund(self, job_id: int, budget: int = BUDGET) -> Any:
        self.send(self.usdc.functions.approve(self.core.address, budget), self.client)
        return self.send(self.core.functions.setBudget(job_id, budget), self.client)

    def assign(self, job_id: int, provider_id: int = PROVIDER_ID) -> Any:
        return self.send(self.core.functions.setProvider(job_id, provider_id), self.client)

    def submit(self, job_id: int) -> Any:
        return self.send(self.core.functions.submit(job_id, DELIVERABLE_HASH), self.provider)

    def take_evaluation(self, job_id: int, evaluator_id: int = EVALUATOR_ID) -> Any:
        owner = self.registry.functions.ownerOf(evaluator_id).call()
        return self.send(self.core.functions.evaluate(job_id, evaluator_id), owner)

    def evidence(self, job_id: int) -> tuple[bytes, bytes]:
        """A real Groth16 proof (and its public inputs) that the job's deliverable was checked."""
        job = self.job(job_id)
        return deliverable_evidence(job_id, job)

    def complete_call(self, job_id: int, *, level: int = 2, on_time: bool = True, bonus: int = 0) -> Any:
        zk_proof, public_inputs = self.evidence(job_id)
        return self.core.functions.complete(
            job_id, zk_proof, public_inputs, TEE_ATTESTATION, TEE_REPORT_DATA, level, on_time, bonus
        )

    def reject_call(self, job_id: int, *, reason_code: int = 7, zk_proof: bytes | None = None) -> Any:
        proof, public_inputs = self.evidence(job_id)
        return self.core.functions.reject(
            job_id,
            proof if zk_proof is None else zk_proof,
            public_inputs,
            TEE_ATTESTATION,
            TEE_REPORT_DATA,
            2,
            True,
            reason_code,
        )


def _named(contract: Contract, function: str, values: tuple) -> dict[str, Any]:
    abi = next(item for item in contract.abi if item.get("name") == function)
    return {field["name"]: value for field, value in zip(abi["outputs"][0]["components"], values, strict=True)}


def event(receipt: Any, contract: Contract, name: str) -> dict[str, Any]:
    """The args of the one `name` event `contract` emitted in the transaction."""
    found = events(receipt, contract, name)
    assert len(found) == 1, f"expected one {name}, got {len(found)}"
    return found[0]


def events(receipt: Any, contract: Contract, name: str) -> list[dict[str, Any]]:
    """The args of every `name` event `contract` emitted in the transaction, in order."""
    topic = event_topic(contract, name)
    decoder = contract.events[name]()
    return [
        dict(decoder.process_log(log)["args"])
        for log in receipt["logs"]
        if log["address"] == contract.address and log["topics"][0] == topic
    ]


def event_topic(contract: Contract, name: str) -> bytes:
    abi = next(item for item in contract.abi if item["type"] == "event" and item["name"] == name)
    return event_abi_to_log_topic(abi)


@pytest.fixture(scope="session")
def _seeded_chain() -> tuple[Chain, Any]:
    provider = EthereumTesterProvider()
    w3 = Web3(provider)
    accounts = w3.eth.accounts
    deployer, treasury, arbiter, reporter, client, prov, evaluator, cex_evaluator, poor, stranger = accounts[:10]
    addresses = deploy_contracts(w3, deployer=deployer, treasury=treasury, arbiter=arbiter, reporter=reporter)
    chain = Chain(
        w3=w3,
        tester=provider.ethereum_tester,
        deployer=deployer,
        treasury=treasury,
        arbiter=arbiter,
        reporter=reporter,
        client=client,
        provider=prov,
        evaluator=evaluator,
        cex_evaluator=cex_evaluator,
        poor_provider=poor,
        stranger=stranger,
        **{field: contract_at(w3, name, addresses[name]) for field, name in CONTRACT_FIELDS.items()},
    )

    registry = chain.registry.functions
    for owner, name, source, capability in (
        (client, "Client", AACP, NO_EVALUATOR),
        (prov, "Provider", EXTERNAL, NO_EVALUATOR),
        (evaluator, "Program evaluator", EXTERNAL, PROGRAM),
        (cex_evaluator, "CEX evaluator", AACP, CEX_CAPITAL),
        (poor, "Thin provider", EXTERNAL, NO_EVALUATOR),
    ):
        chain.send(registry.registerAgent(owner, name, source, capability), owner)

    chain.send(chain.usdc.functions.mint(client, CLIENT_FUNDS + CLIENT_STAKE), deployer)
    for owner, agent_id, amount in (
        (client, CLIENT_ID, CLIENT_STAKE),
        (prov, PROVIDER_ID, PROVIDER_STAKE_POOL),
        (poor, POOR_PROVIDER_ID, POOR_PROVIDER_STAKE_POOL),
    ):
        if owner != client:
            chain.send(chain.usdc.functions.mint(owner, amount), deployer)
        chain.send(chain.usdc.functions.approve(chain.staking.address, amount), owner)
        chain.send(chain.staking.functions.stake(agent_id, amount), owner)
    chain.send(chain.reputation.functions.setScore(PROVIDER_ID, PROVIDER_SCORE), deployer)
    return chain, chain.tester.take_snapshot()


@pytest.fixture
def chain(_seeded_chain: tuple[Chain, Any]) -> Iterator[Chain]:
    seeded, snapshot = _seeded_chain
    # Back at the snapshot, the latest block is as old as the session's chain, while the next
    # transaction is mined at the wall clock: a deadline of `now() + 3600` taken then had already
    # run down by however long the suite took to get here (a CI run lost a test to it). One empty
    # block moves `now()` to the present.
    seeded.tester.mine_blocks(1)
    yield seeded
    seeded.tester.revert_to_snapshot(snapshot)


@pytest.fixture
def funded_job(chain: Chain) -> int:
    job_id = chain.create_job()
    chain.fund(job_id)
    chain.assign(job_id)
    return job_id


@pytest.fixture
def submitted_job(chain: Chain, funded_job: int) -> int:
    chain.submit(funded_job)
    return funded_job


@pytest.fixture
def evaluating_job(chain: Chain, submitted_job: int) -> int:
    chain.take_evaluation(submitted_job)
    return submitted_job
