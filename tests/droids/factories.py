from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.droids.models import Droid, DroidAccount, DroidBot, DroidHistory, DroidPool, DroidSession, SessionStatus
from tests.accounts.factories import UserFactory


def hex_address(n: int) -> str:
    return f"0x{n:040x}"


class DroidPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DroidPool

    chain_id = 31337
    address = factory.Sequence(lambda n: hex_address(0x900 + n))
    fee_tier = 3000
    tick_spacing = 60
    token0 = hex_address(0xA0)
    token0_symbol = "WETH"
    token0_decimals = 18
    token1 = hex_address(0xB0)
    token1_symbol = "USDC"
    token1_decimals = 6
    position_manager = hex_address(0xC0)


class DroidAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DroidAccount

    user = factory.SubFactory(UserFactory)
    label = factory.Sequence(lambda n: f"wallet {n}")
    chain_id = 31337
    address = factory.Sequence(lambda n: hex_address(0x1000 + n))
    private_key = "sealed"


class DroidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Droid

    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(DroidAccountFactory, user=factory.SelfAttribute("..owner"))
    pool = factory.SubFactory(DroidPoolFactory)
    funding_usd = Decimal("50000")
    trigger_type = "EMA"
    tick_buckets = 10
    bucket_offset = 0
    funding_curve_type = "LINEAR"
    max_bots = 5
    max_price = Decimal("4000.00")
    min_price = Decimal("2500.00")
    falling_rebalance_trigger = Decimal("0.03")
    rising_rebalance_trigger = Decimal("0.05")
    derivative_threshold = Decimal("0.01")
    ladder_perc_margin = Decimal("0.02")
    max_gas_price = Decimal("50")
    tx_priority = 1


class DroidSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DroidSession

    droid = factory.SubFactory(DroidFactory)
    status = SessionStatus.PAUSED
    started_at = factory.LazyFunction(timezone.now)
    stopped_at = None


class DroidBotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DroidBot

    droid = factory.SubFactory(DroidFactory)
    token_id = factory.Sequence(lambda n: 0xABC + n)
    tick_lower = factory.Sequence(lambda n: -60 * (n + 1))
    tick_upper = factory.LazyAttribute(lambda bot: bot.tick_lower + 60)
    liquidity = 2**127 + 1
    amount0 = 10**18
    amount1 = 3000 * 10**6
    mint_tx = "0x" + "ab" * 32
    opened_at = factory.LazyFunction(timezone.now)


class DroidHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DroidHistory

    droid = factory.SubFactory(DroidFactory)
    time_stamp = factory.Sequence(lambda n: timezone.now() - timedelta(hours=n))
    block_number = factory.Sequence(lambda n: 100 + n)
    aum = Decimal("51240.75")
    price = Decimal("3215.50")
    token0_positions = Decimal("8.42")
    token1_positions = Decimal("24112.30")
    eth_wallet = Decimal("0.18")
    fees_usd = Decimal("12.5")
