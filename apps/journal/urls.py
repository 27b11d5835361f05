from apps.journal.api import analytics, entries, tags, trades

urlpatterns = trades.urlpatterns + tags.urlpatterns + entries.urlpatterns + analytics.urlpatterns
