from apps.journal.api import analytics, entries, images, tags, trades

urlpatterns = trades.urlpatterns + tags.urlpatterns + entries.urlpatterns + analytics.urlpatterns + images.urlpatterns
