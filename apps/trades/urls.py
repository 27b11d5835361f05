from apps.trades.api import groups, imports, orders, risk

# `trades/import...` before `trades/<id>`, which would otherwise claim it.
desk_api_urlpatterns = risk.urlpatterns + imports.urlpatterns + groups.urlpatterns
app_api_urlpatterns = orders.urlpatterns
