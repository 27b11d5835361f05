"""A journal trade drawn on a price chart: the market's candles over its life (read through the
account's venue, as the desk's chart reads them), its fills as markers, and its entry, stop,
targets and exit as price lines.

Venues answer the last N candles, not a window in the past, so the timeframe is the finest one
whose last MAX_CANDLES periods reach back to the trade; the paper exchange keeps two days of
minutes. A trade older than the venue's history is drawn from its own fills (a line joining
them) and the page says so, rather than drawing a market that was not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.core.errors import ApiError
from apps.exchanges.selectors import account_for
from apps.exchanges.venues.base import MAX_CANDLES, TIMEFRAMES, Candle, finest_timeframe_reaching
from apps.trades.models import Fill, Order, OrderRole
from apps.trades.pages_market import candle_json, read
from apps.trades.templatetags.trading import amount

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.journal.page_rows import TradeLine

# Candles shown either side of the trade, as a share of its duration (at least a few periods).
MARGIN_SHARE = 0.5
MARGIN_PERIODS = 10


@dataclass
class TradeChart:
    """What journal-charts.js draws: prices travel as strings, times as UTC seconds."""

    timeframe: str | None = None
    candles: list[dict[str, Any]] = field(default_factory=list)
    fills: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    executions: list[Fill] = field(default_factory=list)  # the fills themselves, for the page's table

    def as_json(self) -> dict[str, Any]:
        return {
            "timeframe": self.timeframe,
            "period": TIMEFRAMES[self.timeframe] if self.timeframe else None,
            "candles": self.candles,
            "fills": self.fills,
            "lines": self.lines,
            "note": self.note,
        }


def timeframe_for(opened_at: datetime, closed_at: datetime, now: datetime) -> str | None:
    """The finest timeframe whose candles reach back to the trade and its margin before it."""
    margin = timedelta(seconds=(closed_at - opened_at).total_seconds() * MARGIN_SHARE)
    return finest_timeframe_reaching(opened_at, now, margin=margin, margin_periods=MARGIN_PERIODS)


def _candles(*, user: User, trade: TradeLine, timeframe: str) -> list[Candle]:
    account = account_for(user=user, account_id=trade.exchange_account_id)
    return read(
        account, "candles", lambda venue: venue.candles(symbol=trade.symbol, timeframe=timeframe, limit=MAX_CANDLES)
    )


def _lines(trade: TradeLine, targets: list[Order]) -> list[dict[str, Any]]:
    lines = [{"kind": "entry", "title": "Entry", "price": trade.entry_text}]
    if trade.stop_price is not None:
        lines.append(
            {"kind": "stop", "title": "Stop (assumed)" if trade.stop_assumed else "Stop", "price": trade.stop_price}
        )
    for order in targets:
        rung = order.target_index + 1 if order.target_index is not None else ""
        lines.append({"kind": "target", "title": f"Target {rung}".strip(), "price": amount(order.price)})
    lines.append({"kind": "exit", "title": "Exit", "price": trade.exit_text})
    return lines


def trade_targets(*, trade: TradeLine) -> list[Order]:
    """The take-profit legs the trade was planned with (its trade group's), by rung."""
    if trade.trade_group_id is None:
        return []
    return list(
        Order.objects.filter(group_id=trade.trade_group_id, role=OrderRole.TAKE_PROFIT, price__isnull=False).order_by(
            "target_index", "created_at"
        )
    )


def trade_fills(*, user: User, trade: TradeLine) -> list[Fill]:
    """The series' fills over the trade's life, first first (a flip's fill belongs to both trades)."""
    return list(
        Fill.objects.filter(
            user=user,
            exchange_account_id=trade.exchange_account_id,
            symbol=trade.symbol,
            executed_at__gte=trade.opened,
            executed_at__lte=trade.closed,
        ).order_by("executed_at", "id")
    )


def trade_chart(*, user: User, trade: TradeLine, now: datetime | None = None) -> TradeChart:
    now = now or timezone.now()
    chart = TradeChart(lines=_lines(trade, trade_targets(trade=trade)))
    chart.executions = trade_fills(user=user, trade=trade)
    chart.fills = [
        {
            "time": int(f.executed_at.timestamp()),
            "side": f.side,
            "price": amount(f.price),
            "quantity": amount(f.quantity),
        }
        for f in chart.executions
    ]
    timeframe = timeframe_for(trade.opened, trade.closed, now) if trade.exchange_account_id else None
    candles: list[Candle] = []
    if timeframe is not None:
        try:
            candles = _candles(user=user, trade=trade, timeframe=timeframe)
        except ApiError as error:
            chart.note = f"The market's candles could not be read: {error.detail}"
        seconds = TIMEFRAMES[timeframe]
        margin = timedelta(seconds=max(trade.data["duration_seconds"] * MARGIN_SHARE, seconds * MARGIN_PERIODS))
        first, last = trade.opened - margin - timedelta(seconds=seconds), trade.closed + margin
        candles = [c for c in candles if first <= c.opened_at <= last]
    if candles:
        chart.timeframe = timeframe
        chart.candles = [candle_json(c) for c in candles]
    elif not chart.note:
        chart.note = (
            "The exchange keeps no candles from this trade's time: the line joins the trade's own fills, "
            "with its entry, stop, targets and exit."
        )
    return chart
