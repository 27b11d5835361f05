"""Reads of the droids API and the one chain read a droid's funding is checked against.

A user sees their own droids and wallets; an ADMIN sees every droid. Another user's droid is a
404, never a 403: its existence is not the caller's business.
"""

from __future__ import annotations

import logging
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet, Sum
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError

from apps.accounts.models import Role
from apps.core.errors import ApiError, OutageError
from apps.droids.models import Droid, DroidAccount, DroidActive, DroidBot, DroidHistory, DroidPool, DroidSession
from apps.indexer.rpc import NODE_ERRORS, chain_client, describe_node_error
from apps.indexer.uniswap.deploy import contract, erc20

logger = logging.getLogger(__name__)
DROID_NOT_FOUND = "Droid not found."
CHAIN_UNAVAILABLE = "Cannot check the account's funds: the chain node does not answer."
# Stablecoins counted at 1 USD: a pool's funds are valued in whichever of its tokens is one.
USD_SYMBOLS = frozenset({"USDC", "USDT", "DAI"})
Q192 = 2**192


def visible_droids(*, user: Any) -> QuerySet[Droid]:
    droids = Droid.objects.all()
    return droids if user.role == Role.ADMIN else droids.filter(owner=user)


def droid_for(*, user: Any, droid_id: int) -> Droid:
    """The droid `user` may see, or a 404."""
    droid = visible_droids(user=user).filter(id=droid_id).first()
    if droid is None:
        raise ApiError(status=404, message=DROID_NOT_FOUND)
    return droid


def locked_droid(*, user: Any, droid_id: int) -> Droid:
    """The droid `user` may see, its row locked until the transaction ends, or a 404."""
    droid = visible_droids(user=user).select_for_update().filter(id=droid_id).first()
    if droid is None:
        raise ApiError(status=404, message=DROID_NOT_FOUND)
    return droid


def droid_rows(*, user: Any) -> list[Droid]:
    return list(visible_droids(user=user).order_by("id"))


def droid_detail(*, user: Any, droid_id: int) -> tuple[Droid, list[dict[str, Any]], list[dict[str, Any]]]:
    """The droid, its sessions (newest first, with who started each) and its bots: three queries."""
    droid = droid_for(user=user, droid_id=droid_id)
    sessions = list(
        DroidSession.objects.filter(droid=droid)
        .order_by("-started_at", "-id")
        .values("id", "started_at", "stopped_at", "status", "started_by__email", "reason")
    )
    bots = list(
        DroidBot.objects.filter(droid=droid)
        .order_by("tick_lower", "id")
        .values("id", "token_id", "status", "tick_lower", "tick_upper", "liquidity", "opened_at", "closed_at")
    )
    return droid, sessions, bots


def droid_history(*, user: Any, droid_id: int, limit: int) -> list[dict[str, Any]]:
    droid = droid_for(user=user, droid_id=droid_id)
    return list(
        DroidHistory.objects.filter(droid=droid)
        .order_by("-time_stamp", "-id")
        .values("id", "time_stamp", "aum", "price", "token0_positions", "token1_positions", "eth_wallet", "fees_usd")[
            :limit
        ]
    )


def accounts_of(*, user: Any) -> list[dict[str, Any]]:
    # The sealed private key is never selected.
    return list(DroidAccount.objects.filter(user=user).order_by("id").values("id", "address", "label"))


def account_of(*, user: Any, account_id: int | None) -> DroidAccount | None:
    """The user's wallet `account_id`, or their first one when no id is given; None if none."""
    accounts = DroidAccount.objects.filter(user=user).order_by("id")
    return accounts.filter(id=account_id).first() if account_id is not None else accounts.first()


def pool_rows() -> list[dict[str, Any]]:
    return list(
        DroidPool.objects.order_by("id").values(
            "id", "address", "fee_tier", "tick_spacing", "token0_symbol", "token1_symbol"
        )
    )


def committed_funding(*, account: DroidAccount, excluding: int | None = None) -> Decimal:
    """What the wallet's droids that are not closed have been given, `excluding` one droid."""
    droids = Droid.objects.filter(account=account).exclude(active=DroidActive.CLOSED)
    if excluding is not None:
        droids = droids.exclude(id=excluding)
    return droids.aggregate(total=Sum("funding_usd"))["total"] or Decimal(0)


class UnpricedPool(Exception):
    """The pool gives no USD value: neither token is a USD stablecoin, or it has no price yet."""


CHAIN_UNREADABLE = (*NODE_ERRORS, BadFunctionCallOutput, ContractLogicError)


def account_value_usd(account: DroidAccount, pool: DroidPool) -> Decimal:
    """The USD value of the wallet's balances of the pool's two tokens, at the pool's price.

    The price is slot0's sqrtPriceX96 (token1 raw units per token0 raw unit = sqrtP² / 2¹⁹²),
    kept as an exact fraction until the end, then rounded down to 18 places: a funding check
    never rounds in the trader's favour. The stablecoin side counts 1 USD per whole token.

    Raises UnpricedPool for a pool without a stablecoin or a price, and a 503 OutageError when the node
    cannot be read."""
    usd_is_token1 = pool.token1_symbol.upper() in USD_SYMBOLS
    if not usd_is_token1 and pool.token0_symbol.upper() not in USD_SYMBOLS:
        raise UnpricedPool(f"{pool.token0_symbol}/{pool.token1_symbol} has no USD stablecoin to value funds in")
    w3 = chain_client()
    owner = Web3.to_checksum_address(account.address)
    try:
        balance0 = erc20(w3, pool.token0).functions.balanceOf(owner).call()
        balance1 = erc20(w3, pool.token1).functions.balanceOf(owner).call()
        sqrt_price = contract(w3, "UniswapV3Pool", pool.address).functions.slot0().call()[0]
    except CHAIN_UNREADABLE as exc:
        logger.warning("droid funding check: the chain node cannot be read (%s)", describe_node_error(exc))
        raise OutageError(code="CHAIN_UNAVAILABLE", message=CHAIN_UNAVAILABLE) from exc
    if sqrt_price == 0:
        raise UnpricedPool(f"{pool.token0_symbol}/{pool.token1_symbol} has no price yet (not initialized)")
    if usd_is_token1:
        value = Fraction(balance1) + Fraction(balance0 * sqrt_price**2, Q192)
        decimals = pool.token1_decimals
    else:
        value = Fraction(balance0) + Fraction(balance1 * Q192, sqrt_price**2)
        decimals = pool.token0_decimals
    value /= 10**decimals
    with localcontext() as context:
        context.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal("1e-18"), rounding=ROUND_DOWN)
