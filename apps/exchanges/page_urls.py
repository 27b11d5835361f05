from django.urls import path

from apps.exchanges import views

app_name = "exchanges"

urlpatterns = [
    path("exchanges", views.exchange_list_page, name="list"),
    path("exchanges/<uuid:account_id>", views.exchange_detail_page, name="detail"),
    path("exchanges/<uuid:account_id>/test", views.test_exchange_page, name="test"),
    path("exchanges/<uuid:account_id>/remove", views.remove_exchange_page, name="remove"),
]
