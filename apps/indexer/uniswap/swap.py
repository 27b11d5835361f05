"""Swaps on the local WETH/USDC pool through the SwapRouter, for demos and tests."""

from __future__ import annotations

from web3 import Web3
from web3.types import TxReceipt

from apps.indexer.uniswap.deploy import FEE, UniswapAddresses, contract, deadline, erc20, send


def swap(w3: Web3, uniswap: UniswapAddresses, *, sender: str, token_in: str, amount_in: int) -> TxReceipt:
    """Swap exactly `amount_in` raw units of `token_in` (the pool's WETH or USDC) for the other
    token, received by `sender`. WETH in is paid in ether (the router wraps it); USDC in is
    approved to the router first. No minimum out: local chains have no one to front-run."""
    sender = Web3.to_checksum_address(sender)
    token_in = Web3.to_checksum_address(token_in)
    if token_in not in (uniswap.weth, uniswap.usdc):
        raise ValueError(f"{token_in} is neither the pool's WETH nor its USDC")
    token_out = uniswap.usdc if token_in == uniswap.weth else uniswap.weth
    value = amount_in if token_in == uniswap.weth else 0
    if not value:
        send(w3, erc20(w3, token_in).functions.approve(uniswap.swap_router, amount_in), sender)
    router = contract(w3, "SwapRouter", uniswap.swap_router)
    params = (token_in, token_out, FEE, sender, deadline(w3), amount_in, 0, 0)
    return send(w3, router.functions.exactInputSingle(params), sender, value=value)
