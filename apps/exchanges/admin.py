"""Exchange accounts and agent wallets for operators: who connected what, and its state.

Neither admin ever shows a sealed secret (credentials, private key) or the key fingerprint;
`fields` lists what is shown, so a new secret column stays hidden until someone adds it here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.errors import ApiError
from apps.exchanges import services
from apps.exchanges.models import AccountStatus, AgentWallet, ExchangeAccount


@admin.register(ExchangeAccount)
class ExchangeAccountAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "exchange_name",
        "label",
        "kind",
        "key_hint",
        "status",
        "last_tested_at",
        "created_at",
    )
    list_filter = ("status", "kind", "exchange_name")
    search_fields = ("id", "user__email", "user__wallet_address", "label", "key_hint")
    list_select_related = ("user",)
    ordering = ("-created_at",)
    fields = (
        "id",
        "user",
        "exchange_name",
        "label",
        "kind",
        "key_hint",
        "status",
        "last_tested_at",
        "last_error",
        "created_at",
        "removed_at",
    )
    readonly_fields = fields
    actions = ("remove",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are connected by their traders, with credentials checked first

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # removal is a soft delete through the service (see the action)

    @admin.action(description="Remove selected accounts (wipe credentials)")
    def remove(self, request: HttpRequest, queryset: QuerySet[ExchangeAccount]) -> None:
        removed, refused = 0, 0
        for account in queryset.filter(status=AccountStatus.ACTIVE):
            try:
                services.remove_exchange_account(account=account)
            except ApiError:
                refused += 1
            else:
                removed += 1
        self.message_user(request, f"Removed {removed} account(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused} account(s) have open trades and were kept.", messages.WARNING)


@admin.register(AgentWallet)
class AgentWalletAdmin(admin.ModelAdmin):
    list_display = ("address", "user", "name", "master_address", "status", "created_at", "approved_at")
    list_filter = ("status",)
    search_fields = ("address", "master_address", "user__email")
    list_select_related = ("user",)
    ordering = ("-created_at",)
    fields = (
        "id",
        "user",
        "name",
        "address",
        "master_address",
        "status",
        "exchange_account",
        "created_at",
        "approved_at",
        "revoked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
