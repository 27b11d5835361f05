"""What the journal's pages show of a trade: the presented row (apps/journal/presenters.py, the
API's shape) with the units and words a trader reads: the quote asset beside money, P&L rounded
to the asset's cents, R to two places, the time held as `2h 15m`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from apps.exchanges.venues.base import quote_asset
from apps.journal.presenters import present_trade
from apps.trades.pages_market import quote_step
from apps.trades.pages_trades import signed
from apps.trades.templatetags.trading import amount

R_STEP = Decimal("0.01")
# Entry and exit are volume-weighted over fills, so they can run to 18 decimals: shown to this
# many significant digits (3082.2514, 50123.457), more than any venue's tick.
PRICE_DIGITS = 8


def held(seconds: int) -> str:
    """`45s`, `12m`, `2h 15m`, `3d 4h`: the two largest units."""
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60 % 60, seconds // 3600 % 24, seconds // 86400
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def price(value: Any) -> str:
    """A price as people write it, cut to PRICE_DIGITS significant digits; an em dash for none."""
    if value is None:
        return amount(None)
    number = Decimal(str(value))
    if number and number.adjusted() - PRICE_DIGITS + 1 < 0:
        number = number.quantize(Decimal(1).scaleb(number.adjusted() - PRICE_DIGITS + 1))
    return amount(number)


def money(value: Any, quote: str) -> str:
    """A signed P&L in the quote asset's precision (`+12.30`); an em dash for none."""
    return signed(None if value is None else Decimal(str(value)), quote_step(quote))


def tone(value: Any) -> str:
    """`up`, `down` or `` for a signed amount: the colour class of a P&L."""
    if value is None:
        return ""
    number = Decimal(str(value))
    return "up" if number > 0 else "down" if number < 0 else ""


@dataclass(frozen=True)
class TradeLine:
    """One journal trade as the pages show it; `data` is the API's presented row."""

    data: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def quote(self) -> str:
        return quote_asset(self.data["symbol"])

    @property
    def direction(self) -> str:
        return "Long" if self.data["side"] == "buy" else "Short"

    @property
    def net_text(self) -> str:
        return money(self.data["net_pnl"], self.quote)

    @property
    def gross_text(self) -> str:
        return money(self.data["gross_pnl"], self.quote)

    @property
    def entry_text(self) -> str:
        return price(self.data["entry_price"])

    @property
    def exit_text(self) -> str:
        return price(self.data["exit_price"])

    @property
    def fees_text(self) -> str:
        fees = Decimal(self.data["fees"]).quantize(quote_step(self.quote))
        return format(fees, "f")

    @property
    def tone(self) -> str:
        return tone(self.data["net_pnl"])

    @property
    def r_text(self) -> str:
        r = self.data["r_multiple"]
        return "—" if r is None else f"{signed(Decimal(r), R_STEP)}R"

    @property
    def held(self) -> str:
        return held(self.data["duration_seconds"])

    @property
    def opened(self) -> datetime:
        return datetime.fromisoformat(self.data["opened_at"])

    @property
    def closed(self) -> datetime:
        return datetime.fromisoformat(self.data["closed_at"])


def trade_line(row: dict[str, Any]) -> TradeLine:
    # SQLite hands raw NUMERIC columns back as floats: read them through their shortest text
    # (3134.81), not their binary expansion (PostgreSQL hands back exact Decimals).
    exact = {name: Decimal(str(value)) if isinstance(value, float) else value for name, value in row.items()}
    return TradeLine(present_trade(exact))
