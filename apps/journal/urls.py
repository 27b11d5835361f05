from apps.journal.api import entries, tags, trades

urlpatterns = trades.urlpatterns + tags.urlpatterns + entries.urlpatterns
