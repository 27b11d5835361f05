from django.contrib import admin

from apps.indexer.models import BackfillRange, Block, ChainCursor, Token, TokenTransfer, Transaction


@admin.register(ChainCursor)
class ChainCursorAdmin(admin.ModelAdmin):
    list_display = ("name", "block_number", "block_hash", "updated_at")
    readonly_fields = ("name", "block_number", "block_hash", "updated_at")

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """The index is the chain's copy: only ingestion writes it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("number", "hash", "timestamp", "transaction_count", "gas_used")
    search_fields = ("=number", "=hash")
    show_full_result_count = False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("hash", "block_id", "transaction_index", "from_address", "to_address", "status")
    search_fields = ("=hash", "=from_address", "=to_address")
    list_select_related = False
    raw_id_fields = ("block",)
    show_full_result_count = False


@admin.register(Token)
class TokenAdmin(ReadOnlyAdmin):
    list_display = ("address", "standard", "symbol", "name", "decimals", "metadata_error")
    search_fields = ("=address", "symbol", "name")


@admin.register(TokenTransfer)
class TokenTransferAdmin(ReadOnlyAdmin):
    list_display = ("block_id", "log_index", "token_address", "standard", "from_address", "to_address")
    search_fields = ("=token_address", "=from_address", "=to_address")
    raw_id_fields = ("block", "transaction")
    show_full_result_count = False


@admin.register(BackfillRange)
class BackfillRangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "start_block", "end_block", "next_block", "state", "blocks_per_second", "error", "updated_at")
    list_filter = ("state",)
