"""A real anvil node per test, with the contracts deployed through `ensure_contracts_deployed`,
three agents set up by real transactions from anvil's unlocked accounts, the API and the ownership
check pointed at it (RPC_URL), and a helper that runs the "aacp" follower until it is caught up."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.logs import DISCARD

from apps.indexer.rpc import chain_client
from apps.indexer.services import follow_chain
from apps.jobs.chain.artifacts import contract_at
from apps.jobs.chain.deploy import USDC
from apps.jobs.consumer import CURSOR_NAME, first_deployment_block
from apps.jobs.services import ensure_contracts_deployed
from prover.evidence import deliverable_evidence
from scripts.local_chain import ANVIL, AnvilFailed, anvil_node
from tests.conftest import require_binary

ANVIL_CHAIN_ID = 31337
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
STARTUP_SECONDS = 30

PROGRAM = 0
NO_EVALUATOR = 255
AACP, EXTERNAL = 0, 1
CLIENT_ID, PROVIDER_ID, EVALUATOR_ID = 1, 2, 3
PROVIDER_STAKE_POOL = 500 * USDC
PROVIDER_SCORE = 80
CLIENT_FUNDS = 10_000 * USDC
BUDGET = 1_000 * USDC
LASTS = 3600
PROGRAM_HASH = Web3.keccak(text="print('hello')")
DELIVERABLE_HASH = Web3.keccak(text="ipfs://deliverable")
TEE_ATTESTATION = b"\x03" * 1200
TEE_REPORT_DATA = b"\x04" * 64


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def anvil_url() -> Iterator[str]:
    binary = require_binary("anvil", str(ANVIL))
    try:
        with anvil_node(binary=Path(binary), port=_free_port(), chain_id=ANVIL_CHAIN_ID, wait=STARTUP_SECONDS) as url:
            yield url
    except AnvilFailed as failure:
        pytest.fail(str(failure))


def wallet(index: int) -> LocalAccount:
    """Anvil's default account `index` with its key, derived from the well-known dev mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


@dataclass
class Anvil:
    w3: Web3
    deployer: str
    treasury: str
    arbiter: str
    client: str
    provider: str
    evaluator: str
    stranger: str
    usdc: Contract
    registry: Contract
    staking: Contract
    reputation: Contract
    core: Contract

    def send(self, call: Any, sender: str) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}), timeout=30)
        assert receipt["status"] == 1
        return receipt

    def rpc(self, method: str, *params: Any) -> Any:
        response = self.w3.provider.make_request(method, list(params))
        assert "error" not in response, response
        return response["result"]

    def timestamp_of(self, receipt: Any) -> int:
        return self.w3.eth.get_block(receipt["blockNumber"])["timestamp"]

    def job(self, job_id: int) -> dict[str, Any]:
        """getJob as a dict keyed by the Job struct's field names."""
        abi = next(item for item in self.core.abi if item.get("name") == "getJob")
        names = [component["name"] for component in abi["outputs"][0]["components"]]
        return dict(zip(names, self.core.functions.getJob(job_id).call(), strict=True))

    def event(self, receipt: Any, name: str) -> dict[str, Any]:
        (found,) = self.core.events[name]().process_receipt(receipt, errors=DISCARD)
        return dict(found["args"])

    # Seed 001's flows, one step each, sent from the role's own anvil account.

    def create_job(self, *, budget: int = BUDGET, lasts: int = LASTS) -> tuple[int, Any]:
        # The creating block's time is pinned: under load anvil may mine it a second after the
        # latest block, and the job is meant to last exactly `lasts` from its creation.
        created_at = self.w3.eth.get_block("latest")["timestamp"] + 1
        self.rpc("evm_setNextBlockTimestamp", created_at)
        deadline = created_at + lasts
        call = self.core.functions.createJob(CLIENT_ID, budget, deadline, PROGRAM, PROGRAM_HASH, b"\0" * 32)
        receipt = self.send(call, self.client)
        return self.event(receipt, "JobCreated")["jobId"], receipt

    def fund(self, job_id: int, budget: int = BUDGET) -> Any:
        self.send(self.usdc.functions.approve(self.core.address, budget), self.client)
        return self.send(self.core.functions.setBudget(job_id, budget), self.client)

    def assign(self, job_id: int, provider_id: int = PROVIDER_ID) -> Any:
        return self.send(self.core.functions.setProvider(job_id, provider_id), self.client)

    def submit(self, job_id: int) -> Any:
        return self.send(self.core.functions.submit(job_id, DELIVERABLE_HASH), self.provider)

    def take_evaluation(self, job_id: int) -> Any:
        return self.send(self.core.functions.evaluate(job_id, EVALUATOR_ID), self.evaluator)

    def complete(self, job_id: int) -> Any:
        zk_proof, public_inputs = deliverable_evidence(job_id, self.job(job_id))
        call = self.core.functions.complete(
            job_id, zk_proof, public_inputs, TEE_ATTESTATION, TEE_REPORT_DATA, 2, True, 0
        )
        return self.send(call, self.evaluator)

    def reject(self, job_id: int, reason_code: int = 7) -> Any:
        zk_proof, public_inputs = deliverable_evidence(job_id, self.job(job_id))
        call = self.core.functions.reject(
            job_id, zk_proof, public_inputs, TEE_ATTESTATION, TEE_REPORT_DATA, 2, True, reason_code
        )
        return self.send(call, self.evaluator)


@pytest.fixture
def deployed(anvil_url: str, settings, db) -> Iterator[tuple[Web3, dict[str, str]]]:
    """The node at anvil_url as RPC_URL / CHAIN_ID, with the contracts deployed and recorded."""
    settings.RPC_URL = anvil_url
    settings.CHAIN_ID = ANVIL_CHAIN_ID
    chain_client.cache_clear()
    try:
        w3 = Web3(HTTPProvider(anvil_url, request_kwargs={"timeout": 30}))
        deployer, treasury, arbiter, reporter = (w3.eth.accounts[i] for i in (0, 6, 7, 8))
        addresses = ensure_contracts_deployed(
            w3=w3, deployer=deployer, treasury=treasury, arbiter=arbiter, reporter=reporter
        )
        yield w3, addresses
    finally:
        chain_client.cache_clear()  # drop the client bound to this node's URL


@pytest.fixture
def anvil(deployed: tuple[Web3, dict[str, str]]) -> Anvil:
    """The deployed node with a client (agent 1), a provider with 500 USDC staked and score 80
    (agent 2) and a PROGRAM evaluator (agent 3), each owned by its own anvil account."""
    w3, addresses = deployed
    deployer, client, provider, evaluator, _, _, treasury, arbiter, _, stranger = w3.eth.accounts[:10]
    contracts = {
        field: contract_at(w3, name, addresses[name])
        for field, name in (
            ("usdc", "MockUSDC"),
            ("registry", "AgentRegistry"),
            ("staking", "Staking"),
            ("reputation", "Reputation"),
            ("core", "ACPCore"),
        )
    }
    chain = Anvil(
        w3=w3,
        deployer=deployer,
        treasury=treasury,
        arbiter=arbiter,
        client=client,
        provider=provider,
        evaluator=evaluator,
        stranger=stranger,
        **contracts,
    )
    registry = chain.registry.functions
    for owner, name, source, capability in (
        (client, "Client", AACP, NO_EVALUATOR),
        (provider, "Provider", EXTERNAL, NO_EVALUATOR),
        (evaluator, "Program evaluator", EXTERNAL, PROGRAM),
    ):
        chain.send(registry.registerAgent(owner, name, source, capability), owner)
    chain.send(chain.usdc.functions.mint(client, CLIENT_FUNDS), client)
    chain.send(chain.usdc.functions.mint(provider, PROVIDER_STAKE_POOL), provider)
    chain.send(chain.usdc.functions.approve(chain.staking.address, PROVIDER_STAKE_POOL), provider)
    chain.send(chain.staking.functions.stake(PROVIDER_ID, PROVIDER_STAKE_POOL), provider)
    chain.send(chain.reputation.functions.setScore(PROVIDER_ID, PROVIDER_SCORE), deployer)
    return chain


@pytest.fixture
def index(deployed: tuple[Web3, dict[str, str]]):
    """Run the "aacp" follower (no confirmations) until it has indexed the node's head,
    rolling back a reorg on the way if there is one."""

    def run() -> None:
        start = first_deployment_block()
        assert start is not None
        for _ in range(100):
            result = follow_chain(
                w3=deployed[0], cursor_name=CURSOR_NAME, batch_size=500, confirmations=0, start_block=start
            )
            if result.skipped == "no confirmed block to index":
                return
        raise AssertionError("the follower did not catch up")

    return run
