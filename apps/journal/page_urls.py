from django.urls import path

from apps.journal import pages_analytics, pages_entries, pages_trades

app_name = "journal"

urlpatterns = [
    path("journal", pages_trades.journal_page, name="list"),
    path("journal/trades/<uuid:trade_id>", pages_trades.trade_page, name="trade"),
    path("journal/trades/<uuid:trade_id>/notes", pages_trades.trade_notes_page, name="notes"),
    path("journal/trades/<uuid:trade_id>/tags", pages_trades.trade_tag_page, name="tag"),
    path("journal/trades/<uuid:trade_id>/tags/<uuid:tag_id>/remove", pages_trades.trade_untag_page, name="untag"),
    path("journal/trades/<uuid:trade_id>/images", pages_trades.trade_image_page, name="image"),
    path(
        "journal/trades/<uuid:trade_id>/images/<uuid:image_id>/delete",
        pages_trades.image_delete_page,
        name="image-delete",
    ),
    path("journal/analytics", pages_analytics.analytics_page, name="analytics"),
    path("journal/entries", pages_entries.entry_list_page, name="entries"),
    path("journal/entries/new", pages_entries.entry_new_page, name="entry-new"),
    path("journal/entries/<uuid:entry_id>", pages_entries.entry_page, name="entry"),
    path("journal/entries/<uuid:entry_id>/edit", pages_entries.entry_edit_page, name="entry-edit"),
    path("journal/entries/<uuid:entry_id>/delete", pages_entries.entry_delete_page, name="entry-delete"),
]
