from django.urls import path

from apps.trades import pages_market, pages_trades, views

app_name = "trades"

urlpatterns = [
    path("trade", views.ticket_page, name="ticket"),
    path("trade/check", views.check_ticket_page, name="check"),
    path("trade/market", pages_market.market_json, name="market"),
    path("trade/candles", pages_market.candles_json, name="candles"),
    path("trades", pages_trades.trade_list_page, name="list"),
    path("trades/<uuid:group_id>", pages_trades.trade_detail_page, name="detail"),
    path("trades/<uuid:group_id>/row", pages_trades.trade_row_page, name="row"),
    path("trades/<uuid:group_id>/cancel", pages_trades.cancel_trade_page, name="cancel"),
    path("trades/<uuid:group_id>/sl", pages_trades.move_stop_page, name="move-stop"),
    path("trades/<uuid:group_id>/breakeven", pages_trades.break_even_page, name="break-even"),
    path("risk", views.risk_page, name="risk"),
]
