from __future__ import annotations

import re

import pytest

from apps.exchanges.venues.base import SYMBOL_PATTERN, quote_asset


@pytest.mark.parametrize(("symbol", "quote"), [("BTC_USDT", "USDT"), ("ETH_USDC", "USDC"), ("BTC_USDT_PERP", "USDT")])
def test_a_symbol_is_priced_in_its_quote_asset_perpetual_or_not(symbol, quote):
    assert re.match(SYMBOL_PATTERN, symbol)
    assert quote_asset(symbol) == quote


@pytest.mark.parametrize("symbol", ["BTCUSDT", "BTC/USDT", "BTC_USDT_SWAP", "_USDT"])
def test_other_spellings_are_not_symbols(symbol):
    assert not re.match(SYMBOL_PATTERN, symbol)
