"""The journal's analytics dashboard: the API's numbers (apps/journal/api/analytics.py's bodies,
so the page and `/api/v1/journal/analytics/*` cannot disagree), with the same filters as the
trades table, laid out for reading: overview figures, the equity curve (drawn by
journal-charts.js), a month calendar of daily P&L, and the breakdowns as bars drawn in the HTML.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.exchanges.venues.base import quote_asset
from apps.journal.api.analytics import ENDPOINTS, EQUITY_CURVE_MAX_POINTS
from apps.journal.forms import page_filters
from apps.journal.page_rows import held, money, tone
from apps.journal.pages_trades import filter_context
from apps.trades.views import trading_page

# The calendar shows at most this many months, the last ones with trades.
CALENDAR_MONTHS = 6
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: `share` is 0..100 of the longest bar."""

    label: str
    count: int
    net: str
    tone: str
    share: float
    detail: str = ""

    @property
    def rest(self) -> float:
        return round(100 - self.share, 1)


def bars(rows: list[dict[str, Any]], labels: list[str], quote: str, *, detail: Any = None) -> list[Bar]:
    """Bars as long as each row's trade count, coloured by its net P&L."""
    longest = max((row["trade_count"] for row in rows), default=0) or 1
    return [
        Bar(
            label=label,
            count=row["trade_count"],
            net=money(row["net_pnl"], quote) if row["trade_count"] else "—",
            tone=tone(row["net_pnl"]),
            share=round(100 * row["trade_count"] / longest, 1),
            detail=detail(row) if detail else "",
        )
        for row, label in zip(rows, labels, strict=True)
    ]


def duration_label(bucket: dict[str, Any]) -> str:
    low, high = bucket["min_seconds"], bucket["max_seconds"]
    if high is None:
        return f"over {held(low)}"
    return f"under {held(high)}" if not low else f"{held(low)} to {held(high)}"


def r_label(bucket: dict[str, Any]) -> str:
    low, high = bucket["min_r"], bucket["max_r"]
    if low is None:
        return f"below {high}R"
    return f"{low}R and up" if high is None else f"{low}R to {high}R"


def compact(value: Decimal) -> str:
    """A day's P&L in the few characters a calendar cell holds: `+112`, `-1.2k`; the exact
    amount is the cell's title."""
    sign = "+" if value > 0 else "-" if value < 0 else ""
    size = abs(value)
    if size >= 1000:
        return f"{sign}{size / 1000:.1f}k"
    return f"{sign}{size:.0f}"


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    trades: int = 0
    net: str = ""
    short: str = ""
    tone: str = ""
    level: int = 0  # 1..4: how large the day's P&L is against the largest day's


def months(days: list[dict[str, Any]], quote: str) -> list[dict[str, Any]]:
    """Month grids (Monday first) of the last CALENDAR_MONTHS months that have trades."""
    by_day = {date.fromisoformat(d["date"]): d for d in days}
    largest = max((abs(Decimal(d["net_pnl"])) for d in days), default=Decimal(0)) or Decimal(1)
    shown = sorted({(d.year, d.month) for d in by_day})[-CALENDAR_MONTHS:]
    grid = calendar.Calendar(firstweekday=0)
    result = []
    for year, month in reversed(shown):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for day in week:
                found = by_day.get(day) if day.month == month else None
                if found is None:
                    cells.append(Day(day=day, in_month=day.month == month))
                    continue
                net = Decimal(found["net_pnl"])
                level = min(4, 1 + int(3 * abs(net) / largest)) if net else 0
                cells.append(
                    Day(
                        day=day,
                        in_month=True,
                        trades=found["trade_count"],
                        net=money(net, quote),
                        short=compact(net),
                        tone=tone(net),
                        level=level,
                    )
                )
            weeks.append(cells)
        total = sum(
            (Decimal(d["net_pnl"]) for k, d in by_day.items() if (k.year, k.month) == (year, month)), Decimal(0)
        )
        result.append({"title": date(year, month, 1), "weeks": weeks, "net": money(total, quote), "tone": tone(total)})
    return result


def quote_of(symbols: list[str]) -> str:
    """The one quote asset the trades are in, or `quote` when they are in several."""
    quotes = {quote_asset(symbol) for symbol in symbols}
    return quotes.pop() if len(quotes) == 1 else "quote"


@trading_page
@require_GET
def analytics_page(request: HttpRequest) -> HttpResponse:
    chosen = page_filters(request.GET)
    # The API's defaults: a chart of a long history draws the thinned curve, exact at every point.
    options = {"max_points": EQUITY_CURVE_MAX_POINTS}
    found = {
        name: body(request.user, chosen.filters, options) for name, body, *_ in ENDPOINTS if name != "filter-options"
    }
    context = filter_context(request, chosen)
    quote = quote_of(context["options"]["symbols"])
    overview = found["overview"]
    durations, returns, times = found["duration-profit"], found["return-distribution"], found["time-distribution"]
    context.update(
        {
            "quote": quote,
            "overview": overview,
            "net_text": money(overview["net_pnl"], quote),
            "net_tone": tone(overview["net_pnl"]),
            "equity": [
                {"time": point["closed_at"], "value": point["cumulative_pnl"]}
                for point in found["equity-curve"]["data"]
            ],
            "months": months(found["daily-pnl"]["data"], quote),
            "time_zone": found["daily-pnl"]["time_zone"],
            "symbols": [
                {**row, "net": money(row["net_pnl"], quote_asset(row["symbol"])), "tone": tone(row["net_pnl"])}
                for row in found["symbol-breakdown"]["data"]
            ],
            "durations": bars(
                durations["data"],
                [duration_label(b) for b in durations["data"]],
                quote,
                detail=lambda row: f"avg {money(row['average_pnl'], quote)}" if row["average_pnl"] else "",
            ),
            "returns": bars(returns["data"], [r_label(b) for b in returns["data"]], quote),
            "trades_without_r": returns["trades_without_r"],
            "hours": bars(times["by_hour"], [f"{row['hour']:02d}:00" for row in times["by_hour"]], quote),
            "weekdays": bars(times["by_weekday"], list(WEEKDAYS), quote),
        }
    )
    return render(request, "journal/analytics.html", context, status=400 if chosen.errors else 200)
