"""USD prices read on the chain (Uniswap v3 pools' slot0 at a block, along a configured route to
a USD stablecoin). Missing prices are absent, never invented.

Routes come from settings (PRICE_ROUTES, PRICE_USD_ANCHORS, PRICE_NATIVE_TOKEN); with none set,
from the local Uniswap deployment on CHAIN_ID (deploy_uniswap): WETH through the WETH/USDC pool,
the native coin priced as WETH, and that USDC the USD anchor. Only a token configured as an
anchor is worth exactly 1 USD: no stablecoin is assumed to hold its peg otherwise.

A pool's price is sqrtPriceX96**2 / 2**192 (token1 raw units per token0 raw unit), scaled by
10**(decimals0 - decimals1) to whole tokens, inverted when the priced token is token1, and
multiplied along the route; exact fractions until one division at 80 digits, then rounded to the
30 decimal places TokenPrice.usd stores."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from django.conf import settings
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception, Web3RPCError

from apps.indexer.models import TokenPrice

SOURCE = "uniswap_v3"
ANCHOR_SOURCE = "usd_anchor"
USD_PLACES = Decimal(10) ** -30  # TokenPrice.usd's decimal places
USD_LIMIT = Decimal(10) ** 30  # and the integer digits its 60 leave
CALLS_PER_BATCH = 200
# Function selectors of the reads (no arguments; the results are one or more 32-byte words).
SLOT0, TOKEN0, TOKEN1, DECIMALS = "0x3850c7bd", "0x0dfe1681", "0xd21220a7", "0x313ce567"


@dataclass(frozen=True)
class PriceRead:
    block_number: int
    token_address: str  # checksummed; TokenPrice.NATIVE for the chain's coin
    usd: Decimal
    source: str
    pool_address: str


@dataclass(frozen=True)
class PriceConfig:
    routes: dict[str, tuple[str, ...]]  # token -> the pools from it to an anchor, in order
    anchors: frozenset[str]  # tokens worth exactly 1 USD
    native: str | None  # the token (wrapped coin) whose price the native coin takes


@dataclass(frozen=True)
class PoolTokens:
    token0: str
    token1: str
    decimals0: int
    decimals1: int


def price_config() -> PriceConfig:
    """The routes from settings, or derived from the local Uniswap deployment when none are set."""
    if settings.PRICE_ROUTES or settings.PRICE_USD_ANCHORS or settings.PRICE_NATIVE_TOKEN:
        return PriceConfig(
            routes={
                Web3.to_checksum_address(token): tuple(Web3.to_checksum_address(p) for p in pools)
                for token, pools in settings.PRICE_ROUTES.items()
            },
            anchors=frozenset(Web3.to_checksum_address(a) for a in settings.PRICE_USD_ANCHORS),
            native=Web3.to_checksum_address(settings.PRICE_NATIVE_TOKEN) if settings.PRICE_NATIVE_TOKEN else None,
        )
    from apps.indexer.uniswap.records import recorded_uniswap  # the jobs app's table; loaded on use

    local = recorded_uniswap(chain_id=settings.CHAIN_ID)
    if local is None:
        return PriceConfig(routes={}, anchors=frozenset(), native=None)
    return PriceConfig(routes={local.weth: (local.pool,)}, anchors=frozenset({local.usdc}), native=local.weth)


def read_prices(*, w3: Web3, block_numbers: list[int], token_addresses: set[str]) -> list[PriceRead]:
    """The USD price of the native coin and of each token at each block, for those a route is
    configured for and whose pools exist and are initialised at that block. Batched reads (slot0
    at each block, the pools' tokens and decimals at the head); the only database read is the
    local deployment's route when settings configure none. A node that does not answer raises
    (requests' OSErrors): an absent price always means the chain has none."""
    config = price_config()
    blocks = sorted(set(block_numbers))
    # reported address -> the token whose price it takes
    wanted = {Web3.to_checksum_address(t): Web3.to_checksum_address(t) for t in token_addresses}
    wanted.pop(TokenPrice.NATIVE, None)
    if config.native:
        wanted[TokenPrice.NATIVE] = config.native
    reads: list[PriceRead] = []
    routed: dict[str, tuple[str, ...]] = {}
    for reported, token in wanted.items():
        if token in config.anchors:
            reads += [PriceRead(b, reported, Decimal(1).quantize(USD_PLACES), ANCHOR_SOURCE, "") for b in blocks]
        elif config.routes.get(token):
            routed[reported] = config.routes[token]
    if not routed or not blocks:
        return reads
    pools = _pool_tokens(w3, sorted({pool for route in routed.values() for pool in route}))
    sqrt_prices = _slot0s(w3, sorted(pools), blocks)
    for reported, route in routed.items():
        for block in blocks:
            at_block = {pool: sqrt_prices.get((pool, block)) for pool in route}
            usd = route_price(wanted[reported], route, pools=pools, sqrt_prices=at_block, anchors=config.anchors)
            if usd is not None:
                reads.append(PriceRead(block, reported, usd, SOURCE, route[-1]))
    return reads


def pool_price(sqrt_price_x96: int, *, decimals0: int, decimals1: int) -> Fraction:
    """Whole token1 per whole token0 at a pool's sqrtPriceX96, exactly."""
    return Fraction(sqrt_price_x96 * sqrt_price_x96, 2**192) * Fraction(10) ** (decimals0 - decimals1)


def route_price(
    token: str,
    route: tuple[str, ...],
    *,
    pools: dict[str, PoolTokens],
    sqrt_prices: dict[str, int | None],
    anchors: frozenset[str],
) -> Decimal | None:
    """`token`'s USD price along `route`, or None when a pool is missing or uninitialised, the
    route does not connect, it does not end at an anchor, or the price does not fit TokenPrice."""
    price, current = Fraction(1), token
    for address in route:
        tokens, sqrt_price = pools.get(address), sqrt_prices.get(address)
        if tokens is None or not sqrt_price:
            return None
        step = pool_price(sqrt_price, decimals0=tokens.decimals0, decimals1=tokens.decimals1)
        if current == tokens.token0:
            price, current = price * step, tokens.token1
        elif current == tokens.token1:
            price, current = price / step, tokens.token0
        else:
            return None
    if current not in anchors:
        return None
    with localcontext() as context:
        context.prec = 80
        usd = (Decimal(price.numerator) / Decimal(price.denominator)).quantize(USD_PLACES)
    # A price that rounds to nothing at 30 places, or past the column's digits, is not stored as
    # a wrong number: it is absent.
    return usd if 0 < usd < USD_LIMIT else None


def _pool_tokens(w3: Web3, pools: list[str]) -> dict[str, PoolTokens]:
    """Each pool's tokens and their decimals, read at the head (immutable once deployed); a pool
    with no code there, or tokens that do not answer decimals(), is left out."""
    answers = _eth_calls(w3, [(pool, selector, "latest") for pool in pools for selector in (TOKEN0, TOKEN1)])
    pairs: dict[str, tuple[str, str]] = {}
    for index, pool in enumerate(pools):
        token0, token1 = answers[2 * index], answers[2 * index + 1]
        if token0 and token1 and len(token0) >= 32 and len(token1) >= 32:
            pairs[pool] = (_address_word(token0), _address_word(token1))
    tokens = sorted({t for pair in pairs.values() for t in pair})
    decimals = dict(zip(tokens, _eth_calls(w3, [(t, DECIMALS, "latest") for t in tokens]), strict=True))
    found = {}
    for pool, (token0, token1) in pairs.items():
        d0, d1 = decimals[token0], decimals[token1]
        if d0 and d1 and len(d0) >= 32 and len(d1) >= 32:
            found[pool] = PoolTokens(token0, token1, int.from_bytes(d0[:32], "big"), int.from_bytes(d1[:32], "big"))
    return found


def _slot0s(w3: Web3, pools: list[str], blocks: list[int]) -> dict[tuple[str, int], int]:
    """sqrtPriceX96 of each pool at each block where it had code (an uninitialised pool's is 0)."""
    keys = [(pool, block) for pool in pools for block in blocks]
    answers = _eth_calls(w3, [(pool, SLOT0, block) for pool, block in keys])
    return {key: int.from_bytes(a[:32], "big") for key, a in zip(keys, answers, strict=True) if a and len(a) >= 32}


def _address_word(word: bytes) -> str:
    return Web3.to_checksum_address(word[12:32])


def _eth_calls(w3: Web3, calls: Iterable[tuple[str, str, int | str]]) -> list[bytes | None]:
    """The raw results of `(to, data, block)` eth_calls, in order; None for a call the node
    refused (a revert, a block it does not have). Sent as JSON-RPC batches of CALLS_PER_BATCH;
    call by call when the node or provider does not take batches."""
    calls = list(calls)
    results: list[bytes | None] = []
    for start in range(0, len(calls), CALLS_PER_BATCH):
        chunk = calls[start : start + CALLS_PER_BATCH]
        try:
            with w3.batch_requests() as batch:
                for to, data, block in chunk:
                    batch.add(w3.eth.call({"to": to, "data": data}, block))
                results += [bytes(answer) for answer in batch.execute()]
        except (Web3Exception, AttributeError, NotImplementedError):
            # One refused call fails the whole batch (or the provider has no batching).
            results += [_eth_call(w3, to, data, block) for to, data, block in chunk]
    return results


def _eth_call(w3: Web3, to: str, data: str, block: int | str) -> bytes | None:
    try:
        return bytes(w3.eth.call({"to": to, "data": data}, block))
    except (ContractLogicError, Web3RPCError):
        return None
