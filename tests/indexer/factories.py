"""Chain index rows built directly (no chain, no ingestion), for the read paths' tests."""

from __future__ import annotations

import datetime as dt

import factory
from eth_utils import to_checksum_address

from apps.indexer.models import Block, Token, TokenPrice, TokenTransfer, Transaction

GENESIS = dt.datetime(2026, 4, 30, 12, 0, 0, tzinfo=dt.UTC)


def address(n: int) -> str:
    """A distinct checksummed address per `n`."""
    return to_checksum_address(f"0x{n:040x}")


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    number = factory.Sequence(lambda n: 1000 + n)
    hash = factory.LazyAttribute(lambda b: f"0x{b.number:064x}")
    parent_hash = factory.LazyAttribute(lambda b: f"0x{b.number - 1:064x}")
    timestamp = factory.LazyAttribute(lambda b: GENESIS + dt.timedelta(seconds=12 * (b.number - 1000)))
    miner = factory.LazyFunction(lambda: address(0xBEEF))
    gas_used = 21_000
    gas_limit = 30_000_000
    base_fee_per_gas = 10**9
    transaction_count = 0


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    block = factory.SubFactory(BlockFactory)
    hash = factory.Sequence(lambda n: f"0x{0xAB00000 + n:064x}")
    block_timestamp = factory.LazyAttribute(lambda t: t.block.timestamp)
    transaction_index = factory.Sequence(lambda n: n)
    from_address = factory.LazyFunction(lambda: address(1))
    to_address = factory.LazyFunction(lambda: address(2))
    value = 0
    nonce = factory.Sequence(lambda n: n)
    gas_limit = 100_000
    gas_used = 65_000
    effective_gas_price = 12_500_000_000  # 12.5 gwei
    status = 1


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token

    address = factory.Sequence(lambda n: address(0xA0B8_0000 + n))
    standard = Token.ERC20
    name = "USD Coin"
    symbol = "USDC"
    decimals = 6


class TokenTransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TokenTransfer

    transaction = factory.SubFactory(TransactionFactory)
    block = factory.LazyAttribute(lambda t: t.transaction.block)
    block_timestamp = factory.LazyAttribute(lambda t: t.transaction.block_timestamp)
    log_index = factory.Sequence(lambda n: n)
    token_address = factory.LazyFunction(lambda: address(0xA0B8_0000))
    standard = Token.ERC20
    from_address = factory.LazyFunction(lambda: address(1))
    to_address = factory.LazyFunction(lambda: address(3))
    amount = 250_000_000
    token_id = None


class TokenPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TokenPrice

    block = factory.SubFactory(BlockFactory)
    token_address = TokenPrice.NATIVE
    usd = "3000"
    source = "uniswap_v3"
