from django.urls import path

from apps.trades import views

app_name = "trades"

urlpatterns = [
    path("trade", views.ticket_page, name="ticket"),
    path("trade/check", views.check_ticket_page, name="check"),
    path("trades", views.trade_list_page, name="list"),
    path("trades/<uuid:group_id>", views.trade_detail_page, name="detail"),
    path("trades/<uuid:group_id>/cancel", views.cancel_trade_page, name="cancel"),
    path("trades/<uuid:group_id>/sl", views.move_stop_page, name="move-stop"),
    path("trades/<uuid:group_id>/breakeven", views.break_even_page, name="break-even"),
    path("risk", views.risk_page, name="risk"),
]
