from django.contrib import admin

from apps.indexer.models import ChainCursor


@admin.register(ChainCursor)
class ChainCursorAdmin(admin.ModelAdmin):
    list_display = ("name", "block_number", "block_hash", "updated_at")
    readonly_fields = ("name", "block_number", "block_hash", "updated_at")

    def has_add_permission(self, request):
        return False
