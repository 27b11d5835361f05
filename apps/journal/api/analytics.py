"""Seed 003's journal analytics under /journal/analytics/*: each view parses the journal's
filters (the same as GET /journal/trades), runs apps/journal/analytics.py's statements and
presents them. Definitions are in apps/journal/analytics.py's docstring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.journal import analytics
from apps.journal.api.trades import FILTER_PARAMETERS, TAGS, parse_trade_filters
from apps.journal.presenters import (
    present_day,
    present_duration_bucket,
    present_equity_point,
    present_filter_options,
    present_overview,
    present_return_bucket,
    present_symbol,
    present_time_unit,
)
from apps.journal.selectors import TradeFilters
from apps.journal.serializers import (
    DailyPnlOutput,
    DurationProfitOutput,
    EquityCurveOutput,
    FilterOptionsOutput,
    OverviewOutput,
    ReturnDistributionOutput,
    SymbolBreakdownOutput,
    TimeDistributionOutput,
)

Body = Callable[[Any, TradeFilters], dict[str, Any]]


def _overview(user: Any, filters: TradeFilters) -> dict[str, Any]:
    return present_overview(analytics.overview(user_id=user.id, filters=filters))


def _equity_curve(user: Any, filters: TradeFilters) -> dict[str, Any]:
    rows = analytics.equity_curve(user_id=user.id, filters=filters)
    return {"data": [present_equity_point(row) for row in rows]}


def _daily_pnl(user: Any, filters: TradeFilters) -> dict[str, Any]:
    zone = analytics.time_zone_of(user.id)
    rows = analytics.daily_pnl(user_id=user.id, filters=filters, time_zone=zone)
    return {"time_zone": zone, "data": [present_day(row) for row in rows]}


def _symbol_breakdown(user: Any, filters: TradeFilters) -> dict[str, Any]:
    rows = analytics.symbol_breakdown(user_id=user.id, filters=filters)
    return {"data": [present_symbol(row) for row in rows]}


def _duration_profit(user: Any, filters: TradeFilters) -> dict[str, Any]:
    rows = analytics.duration_profit(user_id=user.id, filters=filters)
    buckets = analytics.buckets(analytics.DURATION_EDGES)
    return {"data": [present_duration_bucket(b, rows.get(b.index)) for b in buckets]}


def _return_distribution(user: Any, filters: TradeFilters) -> dict[str, Any]:
    rows = analytics.return_distribution(user_id=user.id, filters=filters)
    buckets = analytics.buckets(analytics.R_EDGES)
    without = rows.get(-1)
    return {
        "data": [present_return_bucket(b, rows.get(b.index)) for b in buckets],
        "trades_without_r": int(without["trade_count"]) if without else 0,
    }


def _time_distribution(user: Any, filters: TradeFilters) -> dict[str, Any]:
    zone = analytics.time_zone_of(user.id)
    found = analytics.time_distribution(user_id=user.id, filters=filters, time_zone=zone)
    return {
        "time_zone": zone,
        "by_hour": [present_time_unit("hour", hour, found["hour"].get(hour)) for hour in range(24)],
        "by_weekday": [present_time_unit("weekday", day, found["weekday"].get(day)) for day in range(1, 8)],
    }


def _filter_options(user: Any, filters: TradeFilters) -> dict[str, Any]:
    return present_filter_options(analytics.filter_options(user_id=user.id, filters=filters))


def _view(name: str, body: Body, output: type[serializers.Serializer], summary: str) -> type[APIView]:
    """One analytics endpoint: parse the filters, answer `body(user, filters)`."""

    class AnalyticsView(APIView):
        permission_classes = [CanTrade]

        @extend_schema(
            tags=TAGS,
            operation_id=f"journal_analytics_{name.replace('-', '_')}",
            summary=summary,
            parameters=FILTER_PARAMETERS,
            responses={200: output, **error_responses(Family.DESK, 400, 401, 403)},
        )
        def get(self, request: Request) -> Response:
            return Response(body(request.user, parse_trade_filters(request)))

    AnalyticsView.__name__ = AnalyticsView.__qualname__ = f"{output.__name__.removesuffix('Output')}View"
    return AnalyticsView


ENDPOINTS = [
    ("overview", _overview, OverviewOutput, "Trade count, win rate, average R, profit factor, drawdown"),
    ("equity-curve", _equity_curve, EquityCurveOutput, "Cumulative net P&L after each trade, in close order"),
    ("daily-pnl", _daily_pnl, DailyPnlOutput, "P&L by day of closing, in your time zone"),
    ("symbol-breakdown", _symbol_breakdown, SymbolBreakdownOutput, "P&L by symbol"),
    ("duration-profit", _duration_profit, DurationProfitOutput, "P&L by time held"),
    ("return-distribution", _return_distribution, ReturnDistributionOutput, "Trades by R-multiple bucket"),
    ("time-distribution", _time_distribution, TimeDistributionOutput, "Trades by hour and weekday of opening"),
    ("filter-options", _filter_options, FilterOptionsOutput, "The values each filter can take"),
]

urlpatterns = [
    path(f"journal/analytics/{name}", _view(name, body, output, summary).as_view(), name=f"journal-analytics-{name}")
    for name, body, output, summary in ENDPOINTS
]
