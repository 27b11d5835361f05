from django.urls import path

from apps.indexer import views

app_name = "chain"

urlpatterns = [
    path("chain", views.explorer_home, name="home"),
    path("chain/search", views.explorer_search, name="search"),
    path("chain/status", views.status_page, name="status"),
    path("chain/tx/<str:tx_hash>", views.transaction_page, name="transaction"),
    path("chain/block/<int:number>", views.block_page, name="block"),
    path("chain/address/<str:address>", views.address_page, name="address"),
]
