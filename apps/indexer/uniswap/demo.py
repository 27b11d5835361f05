"""The explorer's demo on a local chain, made of real transactions: ether transfers, USDC
transfers between demo addresses and swaps on the WETH/USDC pool, so the index, the explorer and
the /api/v1 chain reads have data on first start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from web3 import Web3

from apps.indexer.uniswap.deploy import UniswapAddresses, mock_usdc, send
from apps.indexer.uniswap.swap import swap

ETHER = 10**18
USDC = 10**6
# Accounts 1-4 hold the agent-jobs demo; these three are the explorer's (anvil signs for ten).
DEMO_ACCOUNTS = (5, 6, 7)
ETH_TRANSFERS = ((0, 5, 3 * ETHER), (0, 6, ETHER // 2), (5, 7, ETHER // 4))  # (from, to, wei)
USDC_MINT = (5, 5_000 * USDC)
USDC_TRANSFERS = ((5, 6, 1_250 * USDC), (6, 7, 250 * USDC))


@dataclass
class ExplorerDemoSummary:
    skipped: bool
    transactions: list[tuple[str, str]] = field(default_factory=list)  # (what, tx hash)


def seed_explorer_demo(w3: Web3, uniswap: UniswapAddresses, *, accounts: Sequence[str]) -> ExplorerDemoSummary:
    """Send ether from accounts[0] to accounts[5] and [6] and from [5] to [7], mint USDC to [5]
    and pass some on to [6] and [7], then swap 1 ETH for USDC ([5]) and 500 USDC for WETH ([6]).

    Idempotent per chain: nothing is sent once accounts[5] has sent a transaction (its nonce)."""
    if w3.eth.get_transaction_count(Web3.to_checksum_address(accounts[DEMO_ACCOUNTS[0]])) > 0:
        return ExplorerDemoSummary(skipped=True)
    summary = ExplorerDemoSummary(skipped=False)
    address = [Web3.to_checksum_address(a) for a in accounts]

    def note(what: str, receipt: dict) -> None:
        summary.transactions.append((what, "0x" + bytes(receipt["transactionHash"]).hex()))

    for sender, receiver, wei in ETH_TRANSFERS:
        tx_hash = w3.eth.send_transaction({"from": address[sender], "to": address[receiver], "value": wei})
        ether = Decimal(wei).scaleb(-18).normalize()
        note(f"{ether} ETH {sender} -> {receiver}", w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30))
    usdc = mock_usdc(w3, uniswap.usdc)
    holder, amount = USDC_MINT
    note(
        f"mint {amount // USDC} USDC to {holder}",
        send(w3, usdc.functions.mint(address[holder], amount), address[holder]),
    )
    for sender, receiver, amount in USDC_TRANSFERS:
        call = usdc.functions.transfer(address[receiver], amount)
        note(f"{amount // USDC} USDC {sender} -> {receiver}", send(w3, call, address[sender]))
    note("swap 1 ETH for USDC", swap(w3, uniswap, sender=address[5], token_in=uniswap.weth, amount_in=ETHER))
    note("swap 500 USDC for WETH", swap(w3, uniswap, sender=address[6], token_in=uniswap.usdc, amount_in=500 * USDC))
    return summary
