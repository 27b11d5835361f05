"""Droid rows for operators, read-only: states change through the API's services (each change
records a session and may have the engine close positions), pools and wallets are registered by
`manage.py register_droid_pool` and `create_droid_account`. A wallet's private key is never shown."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.droids.models import Droid, DroidAccount, DroidBot, DroidHistory, DroidPool, DroidRun, DroidSession


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SessionInline(ReadOnlyInline):
    model = DroidSession
    fields = ("status", "started_at", "stopped_at", "started_by", "reason")
    readonly_fields = fields


class BotInline(ReadOnlyInline):
    model = DroidBot
    fields = ("position_id", "status", "tick_lower", "tick_upper", "liquidity", "opened_at", "closed_at", "mint_tx")
    readonly_fields = fields


@admin.register(DroidPool)
class DroidPoolAdmin(ReadOnlyAdmin):
    list_display = ("id", "__str__", "chain_id", "address", "fee_tier", "tick_spacing")
    search_fields = ("address", "token0_symbol", "token1_symbol")


@admin.register(DroidAccount)
class DroidAccountAdmin(ReadOnlyAdmin):
    # `private_key` is left out of every list here: the admin shows only what these name.
    fields = ("user", "label", "chain_id", "address", "created_at")
    readonly_fields = fields
    list_display = ("id", "label", "address", "chain_id", "user", "created_at")
    search_fields = ("address", "label", "user__email")
    list_select_related = ("user",)


@admin.register(Droid)
class DroidAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner", "pool", "active", "funding_usd", "paused_reason", "last_run_at", "created_at")
    list_filter = ("active", "trigger_type", "funding_curve_type")
    search_fields = ("id", "owner__email", "account__address")
    list_select_related = ("owner", "pool")
    inlines = [SessionInline, BotInline]


@admin.register(DroidRun)
class DroidRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "droid", "ran_at", "outcome", "detail", "block_number", "gas_price_gwei", "price")
    list_filter = ("outcome",)
    search_fields = ("droid__id",)


@admin.register(DroidHistory)
class DroidHistoryAdmin(ReadOnlyAdmin):
    list_display = ("id", "droid", "time_stamp", "aum", "price", "token0_positions", "token1_positions", "fees_usd")
    search_fields = ("droid__id",)
