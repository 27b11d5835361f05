"""The paper exchange's price history: one-minute candles recorded from the feed's ticks.

`record` runs once per tick (`feed.tick_market`): it upserts each market's candle of the current
minute (the first price opens it, every later one moves its high, low and close) and, when a
new minute starts, deletes candles older than `RETENTION`. `history` reads them back in any of
the venue protocol's timeframes, built from the minutes. Prices stay Decimal throughout.

A tick that loses the race to open a minute's candle (two feed workers at once) leaves that
candle as the other tick wrote it: one price of one minute, never a failed tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.exchanges.models import PaperCandle
from apps.exchanges.paper.ledger import tidy
from apps.exchanges.venues.base import TIMEFRAMES, Candle, period_start

RETENTION = timedelta(days=2)


def record(prices: dict[str, Decimal], *, at: datetime | None = None) -> None:
    """Fold one tick's prices into the candles of the minute `at` (now) falls in."""
    if not prices:
        return
    minute = period_start(at or timezone.now())
    with transaction.atomic():
        rows = {
            row.symbol: row
            for row in PaperCandle.objects.select_for_update().filter(opened_at=minute, symbol__in=list(prices))
        }
        changed, new = [], []
        for symbol, price in prices.items():
            row = rows.get(symbol)
            if row is None:
                new.append(PaperCandle(symbol=symbol, opened_at=minute, open=price, high=price, low=price, close=price))
                continue
            row.high, row.low, row.close = max(row.high, price), min(row.low, price), price
            changed.append(row)
        if changed:
            PaperCandle.objects.bulk_update(changed, ["high", "low", "close"])
        if new:
            PaperCandle.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        prune(before=minute - RETENTION)


def prune(*, before: datetime) -> int:
    """Delete candles that opened before `before`; returns how many went."""
    deleted, _ = PaperCandle.objects.filter(opened_at__lt=before).delete()
    return deleted


def history(symbol: str, *, timeframe: str = "1m", limit: int = 120, now: datetime | None = None) -> list[Candle]:
    """The last `limit` periods of `timeframe` that have prices, oldest first, built from the
    minutes: open of the first minute, highest high, lowest low, close of the last."""
    seconds = TIMEFRAMES[timeframe]
    current = period_start(now or timezone.now(), seconds)
    since = current - timedelta(seconds=seconds * (limit - 1))
    minutes = PaperCandle.objects.filter(symbol=symbol, opened_at__gte=since).order_by("opened_at")
    periods: dict[datetime, list[Decimal]] = {}
    for row in minutes.values_list("opened_at", "open", "high", "low", "close"):
        opened_at, open_, high, low, close = row
        start = period_start(opened_at, seconds)
        period = periods.get(start)
        if period is None:
            periods[start] = [open_, high, low, close]
        else:
            period[1], period[2], period[3] = max(period[1], high), min(period[2], low), close
    candles = [
        Candle(opened_at=start, open=tidy(o), high=tidy(h), low=tidy(lo), close=tidy(c))
        for start, (o, h, lo, c) in periods.items()
    ]
    return candles[-limit:]
