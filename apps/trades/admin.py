"""Trading rows for operators: read-only views of what traders and workers did.

Groups and orders change only through the services (the venue must agree with every change),
so the admin shows them and offers one action, a sync of the selected open groups.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.trades.models import DailyEquity, Fill, HistoryImport, Order, RiskConfig, TradeGroup


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class OrderInline(admin.TabularInline):
    model = Order
    extra = 0
    can_delete = False
    fields = (
        "role",
        "target_index",
        "side",
        "order_type",
        "price",
        "stop_price",
        "quantity",
        "filled_quantity",
        "average_price",
        "status",
        "client_order_id",
        "venue_order_id",
        "error",
    )
    readonly_fields = fields
    ordering = ("created_at",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TradeGroup)
class TradeGroupAdmin(_ReadOnly):
    list_display = ("id", "user", "symbol", "side", "quantity", "status", "close_reason", "realized_pnl", "created_at")
    list_filter = ("status", "side", "break_even")
    search_fields = ("id", "symbol", "user__email", "idempotency_key")
    list_select_related = ("user",)
    inlines = [OrderInline]
    actions = ["sync_now"]

    @admin.action(description="Sync the selected open groups with their venue now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[TradeGroup]) -> None:
        from apps.trades.services.sync import sync_group

        synced = sum(1 for group in queryset if sync_group(group_id=group.id) is not None)
        self.message_user(request, f"{synced} group(s) synced.", messages.SUCCESS)


@admin.register(Order)
class OrderAdmin(_ReadOnly):
    list_display = ("id", "user", "role", "symbol", "side", "order_type", "quantity", "status", "created_at")
    list_filter = ("status", "role", "order_type")
    search_fields = ("id", "client_order_id", "venue_order_id", "user__email")
    list_select_related = ("user",)


@admin.register(Fill)
class FillAdmin(_ReadOnly):
    list_display = ("venue", "venue_trade_id", "user", "symbol", "side", "price", "quantity", "fee", "executed_at")
    list_filter = ("venue", "side")
    search_fields = ("venue_trade_id", "venue_order_id", "symbol", "user__email")
    list_select_related = ("user",)


@admin.register(HistoryImport)
class HistoryImportAdmin(_ReadOnly):
    list_display = ("id", "user", "exchange_account", "status", "pages_done", "trades_imported", "created_at")
    list_filter = ("status",)
    list_select_related = ("user", "exchange_account")


@admin.register(RiskConfig)
class RiskConfigAdmin(_ReadOnly):
    list_display = ("user", "account_risk_percent", "max_risk_amount", "max_leverage", "max_open_positions")
    list_select_related = ("user",)


@admin.register(DailyEquity)
class DailyEquityAdmin(_ReadOnly):
    list_display = ("exchange_account", "day", "starting_equity", "breached_at")
    list_filter = ("day",)
