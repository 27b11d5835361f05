from django.urls import path

from apps.droids import views, wallet_pages

app_name = "droids"

urlpatterns = [
    path("droids", views.droid_list_page, name="list"),
    path("droids/new", views.droid_new_page, name="new"),
    path("droids/wallets", wallet_pages.droid_wallets_page, name="wallets"),
    path("droids/<int:droid_id>", views.droid_page, name="detail"),
    path("droids/<int:droid_id>/config", views.droid_config_page, name="config"),
    path("droids/<int:droid_id>/state", views.droid_state_page, name="state"),
]
