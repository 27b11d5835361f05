"""Deploy the agent-jobs contracts to a chain whose node signs for `deployer` (eth-tester, anvil)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.types import TxReceipt

from apps.jobs.chain.artifacts import load_artifact
from apps.jobs.chain.verifiers import deploy_verifiers

USDC = 10**6  # raw units per USDC


@dataclass(frozen=True)
class CoreConfig:
    """ACPCore's economics; fixed at deployment (immutables), readable from the contract."""

    platform_fee_bps: int = 200  # 2% of the budget to the treasury on completion
    evaluator_fee_bps: int = 100  # 1% to the evaluator's owner, on completion and on rejection
    provider_stake: int = 100 * USDC  # locked from the provider's pool while it holds the job
    slash_bps: int = 1_000  # 10% of that stake goes to the client on rejection
    dispute_window: int = 3 * 24 * 3600  # seconds after settlement in which it can be disputed
    default_score: int = 50  # reputation of an agent nobody has scored yet


def deploy_contracts(
    w3: Web3,
    *,
    deployer: str,
    treasury: str,
    arbiter: str,
    reporter: str,
    config: CoreConfig | None = None,
) -> dict[str, ChecksumAddress]:
    """Deploy MockUSDC, AgentRegistry, Staking, Reputation, the Groth16 verifiers and ACPCore,
    authorise ACPCore on Staking and Reputation, and return the checksummed addresses by contract
    name (the verifiers are read from ACPCore: `cexCapitalVerifier()`, `deliverableVerifier()`).

    `deployer` stays admin of Staking and Reputation (it can seed reputation scores)."""
    config = config or CoreConfig()
    sender = Web3.to_checksum_address(deployer)

    def deploy_compiled(abi: list, bytecode: str, *args: object) -> ChecksumAddress:
        factory = w3.eth.contract(abi=abi, bytecode=bytecode)
        receipt = _send(w3, factory.constructor(*args), sender)
        return Web3.to_checksum_address(receipt["contractAddress"])

    def deploy(name: str, *args: object) -> ChecksumAddress:
        artifact = load_artifact(name)
        return deploy_compiled(artifact.abi, artifact.bytecode, *args)

    usdc = deploy("MockUSDC")
    registry = deploy("AgentRegistry")
    staking = deploy("Staking", usdc, registry)
    reputation = deploy("Reputation", config.default_score)
    verifiers = deploy_verifiers(lambda compiled: deploy_compiled(compiled["abi"], compiled["bytecode"]))
    core = deploy(
        "ACPCore",
        usdc,
        registry,
        staking,
        reputation,
        Web3.to_checksum_address(treasury),
        Web3.to_checksum_address(arbiter),
        Web3.to_checksum_address(reporter),
        config.platform_fee_bps,
        config.evaluator_fee_bps,
        config.provider_stake,
        config.slash_bps,
        config.dispute_window,
        *verifiers,
    )
    for name, address in (("Staking", staking), ("Reputation", reputation)):
        contract = w3.eth.contract(address=address, abi=load_artifact(name).abi)
        _send(w3, contract.functions.setCore(core), sender)
    return {"ACPCore": core, "MockUSDC": usdc, "AgentRegistry": registry, "Staking": staking, "Reputation": reputation}


def _send(w3: Web3, call: ContractConstructor | ContractFunction, sender: ChecksumAddress) -> TxReceipt:
    tx_hash = call.transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return receipt
