"""Building a chain on anvil for the ingestion tests, and comparing the index with the node."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import vyper
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from apps.indexer.ingest.decode import TRANSFER_TOPIC
from apps.indexer.models import Block, Token, TokenTransfer, Transaction
from apps.indexer.rpc import BatchRpc
from scripts.local_chain import ANVIL, anvil_node
from tests.conftest import require_binary
from tests.core.servers import LOOPBACK, free_port

HERE = Path(__file__).parent


@cache
def artifact(name: str) -> tuple[list, str]:
    compiled = vyper.compile_code((HERE / f"{name}.vy").read_text(), output_formats=["abi", "bytecode"])
    return compiled["abi"], compiled["bytecode"]


@contextmanager
def anvil() -> Iterator[str]:
    """A fresh anvil on a free port (skips the test, with the reason, when anvil is missing)."""
    binary = require_binary("anvil", str(ANVIL))
    with anvil_node(binary=binary, port=free_port(), wait=30) as url:
        yield url


def web3_for(url: str) -> Web3:
    w3 = Web3(HTTPProvider(url, exception_retry_configuration=None))
    w3.eth.default_account = w3.eth.accounts[0]
    return w3


def rpc_for(url: str, **kwargs) -> BatchRpc:
    return BatchRpc(url, timeout=10, **{"max_batch": 50, "max_in_flight": 2, **kwargs})


def deploy(w3: Web3, name: str, *args) -> Contract:
    abi, bytecode = artifact(name)
    tx = w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).transact()
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    return w3.eth.contract(address=receipt["contractAddress"], abi=abi)


def wait(w3: Web3, tx) -> dict:
    return w3.eth.wait_for_transaction_receipt(tx)


@dataclass
class DemoChain:
    w3: Web3
    usd: Contract
    things: Contract
    odd: Contract
    failed_txs: list[str] = field(default_factory=list)


def build_demo_chain(w3: Web3) -> DemoChain:
    """ETH transfers, a 6-decimal ERC-20 (deployed: a contract creation), an ERC-721, the odd
    token, a reverted transaction, and one block holding several transactions."""
    alice, bob, carol = w3.eth.accounts[:3]
    wait(w3, w3.eth.send_transaction({"to": bob, "value": 10**18}))
    usd = deploy(w3, "Token20", "Test Dollar", "TUSD", 6)
    things = deploy(w3, "Token721")
    odd = deploy(w3, "OddToken")
    wait(w3, usd.functions.mint(alice, 1_000_000 * 10**6).transact())
    wait(w3, usd.functions.transfer(bob, 250 * 10**6).transact())
    wait(w3, things.functions.mint(alice, 2**255 + 7).transact())  # a token id past 64 bits
    wait(w3, things.functions.transferFrom(alice, carol, 2**255 + 7).transact())
    wait(w3, odd.functions.send(bob, 2**200).transact())
    wait(w3, odd.functions.malformed(bob, 5).transact())  # a Transfer topic, but no transfer
    # Given gas, the node does not estimate it and mines the call: a failed transaction.
    failed = usd.functions.transfer(carol, 10**30).transact({"gas": 100_000})
    assert wait(w3, failed)["status"] == 0
    # Several transactions in one block, in the order sent.
    w3.provider.make_request("evm_setAutomine", [False])
    sent = [
        w3.eth.send_transaction({"to": carol, "value": 12345}),
        usd.functions.transfer(carol, 1).transact(),
        usd.functions.transfer(bob, 2).transact(),
    ]
    w3.provider.make_request("evm_mine", [])
    w3.provider.make_request("evm_setAutomine", [True])
    assert len({wait(w3, tx)["blockNumber"] for tx in sent}) == 1
    return DemoChain(w3=w3, usd=usd, things=things, odd=odd, failed_txs=[failed.to_0x_hex()])


def more_traffic(demo: DemoChain, rounds: int, *, salt: int = 0) -> None:
    bob, carol = demo.w3.eth.accounts[1:3]
    for n in range(rounds):
        wait(demo.w3, demo.usd.functions.transfer(bob if n % 2 else carol, salt * 1000 + n + 1).transact())
        wait(demo.w3, demo.w3.eth.send_transaction({"to": bob, "value": salt + n + 1}))


def _address(value) -> str:
    return Web3.to_checksum_address(value) if value else ""


def node_transfers(w3: Web3, head: int) -> list[tuple]:
    """The Transfer logs of blocks 0..head, decoded here from eth_getLogs (not from receipts,
    as ingestion does): ERC-20 with 3 topics and a 32-byte value, ERC-721 with 4 topics."""
    rows = []
    for log in w3.eth.get_logs({"fromBlock": 0, "toBlock": head, "topics": [TRANSFER_TOPIC]}):
        topics = log["topics"]
        sender, receiver = (_address("0x" + bytes(t)[12:].hex()) for t in topics[1:3]) if len(topics) > 2 else ("", "")
        if len(topics) == 3 and len(log["data"]) == 32:
            kind, amount, token_id = Token.ERC20, int.from_bytes(log["data"], "big"), None
        elif len(topics) == 4 and len(log["data"]) == 0:
            kind, amount, token_id = Token.ERC721, None, int.from_bytes(topics[3], "big")
        else:
            continue
        rows.append(
            (
                log["blockNumber"],
                log["logIndex"],
                log["transactionHash"].to_0x_hex(),
                log["address"],
                kind,
                sender,
                receiver,
                amount,
                token_id,
            )
        )
    return rows


def assert_index_equals_node(w3: Web3) -> int:
    """Every block, transaction and transfer stored equals the node's, none missing, none
    extra, for blocks 0..head. Returns the head."""
    head = w3.eth.block_number
    assert list(Block.objects.order_by("number").values_list("number", flat=True)) == list(range(head + 1))
    expected_txs = {}
    for number in range(head + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        stored = Block.objects.get(number=number)
        assert (
            stored.hash,
            stored.parent_hash,
            int(stored.timestamp.timestamp()),
            stored.miner,
            stored.gas_used,
            stored.gas_limit,
            stored.base_fee_per_gas,
            stored.transaction_count,
        ) == (
            block["hash"].to_0x_hex(),
            block["parentHash"].to_0x_hex(),
            block["timestamp"],
            block["miner"],
            block["gasUsed"],
            block["gasLimit"],
            block.get("baseFeePerGas"),
            len(block["transactions"]),
        ), f"block {number}"
        for tx in block["transactions"]:
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            expected_txs[tx["hash"].to_0x_hex()] = (
                number,
                tx["transactionIndex"],
                receipt["status"],
                receipt["gasUsed"],
                receipt["effectiveGasPrice"],
                tx["value"],
                tx["from"],
                _address(tx["to"]),
                _address(receipt["contractAddress"]),
                tx["nonce"],
                tx["gas"],
            )
    stored_txs = {
        t.hash: (
            t.block_id,
            t.transaction_index,
            t.status,
            t.gas_used,
            t.effective_gas_price,
            t.value,
            t.from_address,
            t.to_address,
            t.contract_address,
            t.nonce,
            t.gas_limit,
        )
        for t in Transaction.objects.all()
    }
    assert stored_txs == expected_txs
    stored_transfers = [
        (
            t.block_id,
            t.log_index,
            t.transaction.hash,
            t.token_address,
            t.standard,
            t.from_address,
            t.to_address,
            t.amount,
            t.token_id,
        )
        for t in TokenTransfer.objects.select_related("transaction").order_by("block_id", "log_index")
    ]
    assert stored_transfers == node_transfers(w3, head)
    return head


class RefusingProxy:
    """An HTTP server in front of a node that refuses JSON-RPC batches over `limit` calls the way
    nodes do (`mode`: "413", or "error" for geth's one-error answer), and can fail a method."""

    def __init__(self, upstream: str, *, limit: int, mode: str = "error") -> None:
        self.upstream, self.limit, self.mode = upstream, limit, mode
        self.batch_sizes: list[int] = []
        self.fail_method: str | None = None
        self.missing_method: str | None = None  # answered "method not found", as older nodes do
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                calls = json.loads(body)
                calls_list = calls if isinstance(calls, list) else [calls]
                with proxy.lock:
                    proxy.batch_sizes.append(len(calls_list))
                if proxy.fail_method and any(c["method"] == proxy.fail_method for c in calls_list):
                    return self._answer(502, b"<html>bad gateway</html>")
                if proxy.missing_method and all(c["method"] == proxy.missing_method for c in calls_list):
                    missing = {"code": -32601, "message": "the method does not exist/is not available"}
                    errors = [{"jsonrpc": "2.0", "id": c["id"], "error": missing} for c in calls_list]
                    return self._answer(200, json.dumps(errors).encode())
                if len(calls_list) > proxy.limit:
                    if proxy.mode == "413":
                        return self._answer(413, b"request entity too large")
                    error = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch too large"}}
                    return self._answer(200, json.dumps(error).encode())
                upstream = requests.post(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30
                )
                self._answer(upstream.status_code, upstream.content)

            def _answer(self, status: int, content: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"

    def __enter__(self) -> RefusingProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def follow_to_head(follow: Callable[[], object]) -> list:
    """Run the follower until it has nothing left to do; its results."""
    results = []
    for _ in range(1000):
        result = follow()
        results.append(result)
        if result.to_block is None and result.rolled_back_to is None:
            return results
    raise AssertionError("the follower never caught up")
