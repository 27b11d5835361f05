from apps.journal.api import analytics, data, entries, images, tags, trades

# `data` first: its `journal/trades/export` and `journal/trades/import` would otherwise be
# taken by `journal/trades/<trade_id>`.
urlpatterns = (
    data.urlpatterns
    + trades.urlpatterns
    + tags.urlpatterns
    + entries.urlpatterns
    + analytics.urlpatterns
    + images.urlpatterns
)
