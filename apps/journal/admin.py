"""Journal rows for operators. Trades are computed from fills (`manage.py rebuild_journal`), so
they are shown, not edited; tags and entries are the trader's and stay theirs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.journal.models import JournalEntry, JournalSettings, JournalTag, JournalTrade
from apps.journal.services.journal_settings import update_journal_settings


@admin.register(JournalTrade)
class JournalTradeAdmin(admin.ModelAdmin):
    list_display = ("symbol", "side", "quantity", "net_pnl", "r_multiple", "stop_assumed", "closed_at", "user")
    list_filter = ("side", "stop_assumed", "venue")
    search_fields = ("symbol", "user__email")
    raw_id_fields = ("user", "exchange_account", "opening_fill", "trade_group")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin.site.register(JournalTag, list_display=("name", "user", "created_at"), search_fields=("name",))
admin.site.register(JournalEntry, list_display=("title", "user", "created_at"), search_fields=("title",))


@admin.register(JournalSettings)
class JournalSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "default_stop_percent", "time_zone", "updated_at")
    fields = ("user", "default_stop_percent", "time_zone")
    raw_id_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: JournalSettings, form: Any, change: bool) -> None:
        # Through the service, as the API's PATCH: a new default stop recomputes R, and a new time
        # zone the rollups of days and hours; a plain save would leave both stale.
        update_journal_settings(user=obj.user, default_stop_percent=obj.default_stop_percent, time_zone=obj.time_zone)
