from __future__ import annotations

from pathlib import Path

import pytest
import vyper
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from apps.indexer.consumers import LogConsumer, register_log_consumer
from apps.indexer.models import ChainLog
from apps.indexer.rpc import batch_rpc, chain_client
from tests.indexer.contracts.chain import anvil

CURSOR = "test-emitter"


@pytest.fixture(scope="session")
def emitter_artifact():
    compiled = vyper.compile_code(
        (Path(__file__).parent / "Emitter.vy").read_text(), output_formats=["abi", "bytecode"]
    )
    return compiled["abi"], compiled["bytecode"]


@pytest.fixture
def node():
    """A fresh anvil's URL (skipped with the reason when the binary is missing)."""
    with anvil() as url:
        yield url


@pytest.fixture
def rpc_url(settings):
    """RPC_URL for the tasks' clients, which are built once per process."""

    def point_at(url: str) -> None:
        settings.RPC_URL = url
        batch_rpc.cache_clear()
        chain_client.cache_clear()

    yield point_at
    batch_rpc.cache_clear()
    chain_client.cache_clear()


@pytest.fixture
def chain():
    """A fresh in-process chain (py-evm), one block per transaction."""
    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))


@pytest.fixture
def emitter(chain, emitter_artifact):
    abi, bytecode = emitter_artifact
    chain.eth.default_account = chain.eth.accounts[0]
    tx = chain.eth.contract(abi=abi, bytecode=bytecode).constructor().transact()
    address = chain.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    return chain.eth.contract(address=address, abi=abi)


class RecordingConsumer:
    """Keeps the ping values it was fed, as a real consumer keeps projected rows."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.seen: dict[tuple[str, int], int] = {}

    def apply(self, logs: list[ChainLog]) -> None:
        for log in logs:
            self.seen[(log.tx_hash, log.log_index)] = log.block_number

    def rollback(self, block_number: int) -> None:
        self.seen = {key: number for key, number in self.seen.items() if number <= block_number}


@pytest.fixture
def consumer(emitter):
    recording = RecordingConsumer(emitter.address)
    register_log_consumer(
        CURSOR,
        LogConsumer(addresses=lambda: [recording.address], apply=recording.apply, rollback=recording.rollback),
    )
    return recording


def ping(emitter, n: int) -> int:
    """Send ping(n); the block number it landed in."""
    receipt = emitter.w3.eth.wait_for_transaction_receipt(emitter.functions.ping(n).transact())
    return receipt["blockNumber"]
