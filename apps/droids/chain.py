"""The one client between droids and the chain: a Uniswap v3 pool's state, the funding wallet's
balances, and the NonfungiblePositionManager's mint, close and collect, signed locally with the
wallet's key and sent as raw transactions.

Only this module knows ABIs, gas, nonces and receipt waits. What can go wrong on the chain is
one of three exception types, each with a message a trader can read:
- `NodeError`: the node did not answer or answered nonsense (nothing was sent, or we cannot tell);
- `TransactionReverted`: the node refused to send a call that would revert (eth_estimateGas
  failed, with the contract's reason), or a sent transaction was mined with status 0;
- `ReceiptTimeout`: a sent transaction has no receipt after `receipt_timeout` seconds.
All three are `ChainError`s, which the engine counts as a failed run.

Nonces: each send asks the node for the account's pending transaction count. Callers must not
send for one account from two places at once (the engine holds the account row's lock while it
sends), which is what makes "pending count" the next nonce.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import requests
from eth_account import Account
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3Exception
from web3.logs import DISCARD

from apps.indexer.rpc import describe_node_error
from apps.indexer.uniswap.artifacts import load

MAX_UINT128 = (1 << 128) - 1
MAX_UINT256 = (1 << 256) - 1
GWEI = 10**9
DEADLINE_SECONDS = 600
# eth_estimateGas is exact on the node that runs the call; a block later the pool may have moved.
GAS_MARGIN = Decimal("1.25")

# A minimal ERC-20 ABI: what the wallet needs (balances, allowances, approvals).
ERC20_ABI = [
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "type": "function",
        "name": "allowance",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "type": "function",
        "name": "approve",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
]


class ChainError(RuntimeError):
    """Something on the chain's side failed; the message says what, never the node's URL."""


class NodeError(ChainError):
    pass


class TransactionReverted(ChainError):
    def __init__(self, message: str, tx_hash: str = "") -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class ReceiptTimeout(ChainError):
    def __init__(self, message: str, tx_hash: str) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


@dataclass(frozen=True)
class PoolReading:
    sqrt_price_x96: int
    tick: int
    liquidity: int
    tick_spacing: int
    fee: int
    token0: str
    token1: str
    block_number: int


@dataclass(frozen=True)
class Position:
    token_id: int
    token0: str
    token1: str
    fee: int
    tick_lower: int
    tick_upper: int
    liquidity: int
    tokens_owed0: int
    tokens_owed1: int


@dataclass(frozen=True)
class Sent:
    tx_hash: str
    gas_fee_wei: int
    receipt: dict


@dataclass(frozen=True)
class Minted:
    token_id: int
    liquidity: int
    amount0: int
    amount1: int
    tx_hash: str
    gas_fee_wei: int


@dataclass(frozen=True)
class Closed:
    amount0: int  # principal taken out of the position
    amount1: int
    fees0: int  # collected beyond the principal
    fees1: int
    tx_hash: str
    gas_fee_wei: int


@dataclass(frozen=True)
class Fees:
    """How a transaction is priced: EIP-1559 caps in wei."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


# The periphery's short revert strings, in words a trader can act on.
REVERT_REASONS = {
    "STF": "a token transfer from the wallet failed (balance or allowance too low)",
    "Price slippage check": "the pool price moved past the allowed slippage",
    "Transaction too old": "the transaction's deadline passed",
    "Not approved": "the wallet does not own or may not manage the position",
    "Invalid token ID": "no such position",
}


def _reason(exc: ContractLogicError) -> str:
    message = str(exc.message or exc)
    short = message.removeprefix("execution reverted: ").strip()
    return f"{message} ({REVERT_REASONS[short]})" if short in REVERT_REASONS else message


def _node_errors(call):
    """Run a read, or an estimate before a send: a revert becomes TransactionReverted (nothing
    was sent), a transport or node failure a NodeError."""
    try:
        return call()
    except ContractLogicError as exc:
        raise TransactionReverted(f"call reverted: {_reason(exc)}") from exc
    except (requests.RequestException, Web3Exception, ValueError) as exc:
        raise NodeError(f"node error: {describe_node_error(exc)}") from exc


class DroidChain:
    """The chain as one droid wallet sees it, on one position manager."""

    def __init__(self, w3: Web3, *, private_key: str, position_manager: str, receipt_timeout: float = 60) -> None:
        self.w3 = w3
        self.account = Account.from_key(private_key)
        self.address = self.account.address
        self.manager = w3.eth.contract(
            address=Web3.to_checksum_address(position_manager), abi=load("NonfungiblePositionManager").abi
        )
        self.receipt_timeout = receipt_timeout

    # --- reads -------------------------------------------------------------------------------

    def read_pool(self, address: str) -> PoolReading:
        pool = self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=load("UniswapV3Pool").abi)

        def read() -> PoolReading:
            block = self.w3.eth.block_number
            slot0 = pool.functions.slot0().call(block_identifier=block)
            return PoolReading(
                sqrt_price_x96=slot0[0],
                tick=slot0[1],
                liquidity=pool.functions.liquidity().call(block_identifier=block),
                tick_spacing=pool.functions.tickSpacing().call(block_identifier=block),
                fee=pool.functions.fee().call(block_identifier=block),
                token0=pool.functions.token0().call(block_identifier=block),
                token1=pool.functions.token1().call(block_identifier=block),
                block_number=block,
            )

        return _node_errors(read)

    def gas_price_wei(self) -> int:
        return _node_errors(lambda: self.w3.eth.gas_price)

    def eth_balance(self) -> int:
        return _node_errors(lambda: self.w3.eth.get_balance(self.address))

    def token_balance(self, token: str) -> int:
        return _node_errors(lambda: self._erc20(token).functions.balanceOf(self.address).call())

    def position(self, token_id: int) -> Position:
        values = _node_errors(lambda: self.manager.functions.positions(token_id).call())
        return Position(token_id, *values[2:8], *values[10:12])

    def owned_token_ids(self) -> list[int]:
        """The position NFTs the wallet holds now (the position manager's ERC-721 enumeration)."""

        def read() -> list[int]:
            count = self.manager.functions.balanceOf(self.address).call()
            return [self.manager.functions.tokenOfOwnerByIndex(self.address, i).call() for i in range(count)]

        return _node_errors(read)

    def withdrawable(self, token_id: int, liquidity: int) -> tuple[int, int]:
        """What removing `liquidity` from the position would pay out now (an eth_call of
        decreaseLiquidity from the owner: the pool's own rounding, nothing sent)."""
        params = (token_id, liquidity, 0, 0, MAX_UINT256)
        call = self.manager.functions.decreaseLiquidity(params)
        return tuple(_node_errors(lambda: call.call({"from": self.address})))

    # --- writes ------------------------------------------------------------------------------

    def ensure_allowance(self, token: str, amount: int, fees: Fees) -> Sent | None:
        """Approve the position manager for every unit of `token` when it may not spend `amount`."""
        erc20 = self._erc20(token)
        allowance = _node_errors(lambda: erc20.functions.allowance(self.address, self.manager.address).call())
        if allowance >= amount:
            return None
        return self.send(erc20.functions.approve(self.manager.address, MAX_UINT256), fees)

    def mint(
        self,
        *,
        token0: str,
        token1: str,
        fee: int,
        tick_lower: int,
        tick_upper: int,
        amount0: int,
        amount1: int,
        amount0_min: int,
        amount1_min: int,
        fees: Fees,
    ) -> Minted:
        params = (
            Web3.to_checksum_address(token0),
            Web3.to_checksum_address(token1),
            fee,
            tick_lower,
            tick_upper,
            amount0,
            amount1,
            amount0_min,
            amount1_min,
            self.address,
            self._deadline(),
        )
        sent = self.send(self.manager.functions.mint(params), fees)
        events = self.manager.events.IncreaseLiquidity().process_receipt(sent.receipt, errors=DISCARD)
        if len(events) != 1:
            raise ChainError(f"mint {sent.tx_hash} logged {len(events)} IncreaseLiquidity events, expected 1")
        args = events[0]["args"]
        return Minted(
            args["tokenId"], args["liquidity"], args["amount0"], args["amount1"], sent.tx_hash, sent.gas_fee_wei
        )

    def close(self, token_id: int, fees: Fees) -> Closed:
        """Remove all liquidity, collect everything owed (principal and fees) to the wallet, and
        burn the NFT, in one multicall transaction so a position is never left half-closed."""
        liquidity = self.position(token_id).liquidity
        encode = self.manager.encode_abi
        calls = []
        if liquidity:
            calls.append(encode("decreaseLiquidity", args=[(token_id, liquidity, 0, 0, self._deadline())]))
        calls.append(encode("collect", args=[(token_id, self.address, MAX_UINT128, MAX_UINT128)]))
        calls.append(encode("burn", args=[token_id]))
        sent = self.send(self.manager.functions.multicall(calls), fees)
        decreased = self.manager.events.DecreaseLiquidity().process_receipt(sent.receipt, errors=DISCARD)
        collected = self.manager.events.Collect().process_receipt(sent.receipt, errors=DISCARD)
        principal = (decreased[0]["args"]["amount0"], decreased[0]["args"]["amount1"]) if decreased else (0, 0)
        total = (collected[0]["args"]["amount0"], collected[0]["args"]["amount1"]) if collected else (0, 0)
        return Closed(
            principal[0], principal[1], total[0] - principal[0], total[1] - principal[1], sent.tx_hash, sent.gas_fee_wei
        )

    def send(self, call: ContractFunction, fees: Fees) -> Sent:
        """Sign and send `call` from the wallet; its receipt, or a ChainError."""

        def build() -> dict:
            tx = call.build_transaction(
                {
                    "from": self.address,
                    "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
                    "chainId": self.w3.eth.chain_id,
                    "maxFeePerGas": fees.max_fee_per_gas,
                    "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
                }
            )
            tx["gas"] = int(tx["gas"] * GAS_MARGIN)
            return tx

        tx = _node_errors(build)
        signed = self.account.sign_transaction(tx)
        tx_hash = _node_errors(lambda: self.w3.eth.send_raw_transaction(signed.raw_transaction)).to_0x_hex()
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout)
        except TimeExhausted as exc:
            raise ReceiptTimeout(f"no receipt for {tx_hash} after {self.receipt_timeout:.0f}s", tx_hash) from exc
        except (requests.RequestException, Web3Exception) as exc:
            raise NodeError(f"node error waiting for {tx_hash}: {describe_node_error(exc)}") from exc
        if receipt["status"] != 1:
            raise TransactionReverted(f"transaction {tx_hash} reverted", tx_hash)
        return Sent(tx_hash, receipt["gasUsed"] * receipt["effectiveGasPrice"], dict(receipt))

    # --- helpers -----------------------------------------------------------------------------

    def _erc20(self, token: str):
        return self.w3.eth.contract(address=Web3.to_checksum_address(token), abi=ERC20_ABI)

    def _deadline(self) -> int:
        return _node_errors(lambda: self.w3.eth.get_block("latest")["timestamp"]) + DEADLINE_SECONDS
