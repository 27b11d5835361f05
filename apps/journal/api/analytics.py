"""Seed 003's journal analytics under /journal/analytics/*: each view parses the journal's
filters (the same as GET /journal/trades), runs apps/journal/analytics.py's statements and
presents them. Definitions are in apps/journal/analytics.py's docstring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses
from apps.core.pagination import parse_bounded_int
from apps.journal import analytics
from apps.journal.api.trades import FILTER_PARAMETERS, TAGS, parse_trade_filters
from apps.journal.presenters import (
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

Body = Callable[[Any, TradeFilters, dict[str, Any]], dict[str, Any]]
# A chart draws a few thousand points at most: a longer curve is thinned in SQL to this many.
EQUITY_CURVE_MAX_POINTS = 2000
EQUITY_CURVE_PARAMETERS = [
    OpenApiParameter(
        "max_points",
        {"type": "integer", "minimum": 4, "maximum": 100_000},
        description=(
            f"At most this many points (4 to 100000, default {EQUITY_CURVE_MAX_POINTS}). A longer curve keeps "
            "the first and last trade and the lowest and highest point of each of at most (max_points - 2) / 2 "
            "runs of consecutive trades (equal runs; on a long unfiltered curve, runs of whole blocks of 64 "
            "trades); every point's cumulative P&L stays exact."
        ),
    )
]


def _equity_curve_options(request: Request) -> dict[str, Any]:
    raw = request.query_params.get("max_points")
    max_points = parse_bounded_int(raw, name="max_points", default=EQUITY_CURVE_MAX_POINTS, maximum=100_000)
    if max_points < 4:  # the first, the last, one run's low and high
        raise ApiError(status=400, message="max_points must be at least 4.")
    return {"max_points": max_points}


def _overview(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    return present_overview(analytics.overview(user_id=user.id, filters=filters))


def _equity_curve(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    rows = analytics.equity_curve(user_id=user.id, filters=filters, max_points=options["max_points"])
    total = int(rows[0]["total_points"]) if rows else 0
    return {
        "data": [present_equity_point(row) for row in rows],
        "total_points": total,
        "downsampled": len(rows) < total,
    }


def _daily_pnl(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    zone = analytics.time_zone_of(user.id)
    return {"time_zone": zone, "data": analytics.daily_pnl(user_id=user.id, filters=filters, time_zone=zone)}


def _symbol_breakdown(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    rows = analytics.symbol_breakdown(user_id=user.id, filters=filters)
    return {"data": [present_symbol(row) for row in rows]}


def _duration_profit(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    rows = analytics.duration_profit(user_id=user.id, filters=filters)
    buckets = analytics.buckets(analytics.DURATION_EDGES)
    return {"data": [present_duration_bucket(b, rows.get(b.index)) for b in buckets]}


def _return_distribution(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    rows = analytics.return_distribution(user_id=user.id, filters=filters)
    buckets = analytics.buckets(analytics.R_EDGES)
    without = rows.get(-1)
    return {
        "data": [present_return_bucket(b, rows.get(b.index)) for b in buckets],
        "trades_without_r": int(without["trade_count"]) if without else 0,
    }


def _time_distribution(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    zone = analytics.time_zone_of(user.id)
    found = analytics.time_distribution(user_id=user.id, filters=filters, time_zone=zone)
    return {
        "time_zone": zone,
        "by_hour": [present_time_unit("hour", hour, found["hour"].get(hour)) for hour in range(24)],
        "by_weekday": [present_time_unit("weekday", day, found["weekday"].get(day)) for day in range(1, 8)],
    }


def _filter_options(user: Any, filters: TradeFilters, options: dict[str, Any]) -> dict[str, Any]:
    return present_filter_options(analytics.filter_options(user_id=user.id, filters=filters))


def _view(
    name: str,
    body: Body,
    output: type[serializers.Serializer],
    summary: str,
    options: Callable[[Request], dict[str, Any]] | None = None,
    parameters: list[OpenApiParameter] | None = None,
) -> type[APIView]:
    """One analytics endpoint: parse the filters (and the endpoint's own `parameters` with
    `options`), answer `body(user, filters, options)`."""
    own = {parameter.name for parameter in parameters or []}

    class AnalyticsView(APIView):
        permission_classes = [CanTrade]

        @extend_schema(
            tags=TAGS,
            operation_id=f"journal_analytics_{name.replace('-', '_')}",
            summary=summary,
            parameters=[*FILTER_PARAMETERS, *(parameters or [])],
            responses={200: output, **error_responses(Family.DESK, 400, 401, 403)},
        )
        def get(self, request: Request) -> Response:
            filters = parse_trade_filters(request, also=own)
            return Response(body(request.user, filters, options(request) if options else {}))

    AnalyticsView.__name__ = AnalyticsView.__qualname__ = f"{output.__name__.removesuffix('Output')}View"
    return AnalyticsView


ENDPOINTS: list[tuple] = [
    ("overview", _overview, OverviewOutput, "Trade count, win rate, average R, profit factor, drawdown"),
    (
        "equity-curve",
        _equity_curve,
        EquityCurveOutput,
        "Cumulative net P&L after each trade, in close order (thinned past max_points)",
        _equity_curve_options,
        EQUITY_CURVE_PARAMETERS,
    ),
    ("daily-pnl", _daily_pnl, DailyPnlOutput, "P&L by day of closing, in your time zone"),
    ("symbol-breakdown", _symbol_breakdown, SymbolBreakdownOutput, "P&L by symbol"),
    ("duration-profit", _duration_profit, DurationProfitOutput, "P&L by time held"),
    ("return-distribution", _return_distribution, ReturnDistributionOutput, "Trades by R-multiple bucket"),
    ("time-distribution", _time_distribution, TimeDistributionOutput, "Trades by hour and weekday of opening"),
    ("filter-options", _filter_options, FilterOptionsOutput, "The values each filter can take"),
]

urlpatterns = [
    path(f"journal/analytics/{entry[0]}", _view(*entry).as_view(), name=f"journal-analytics-{entry[0]}")
    for entry in ENDPOINTS
]
