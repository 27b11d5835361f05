from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.login_page, name="login"),
    path("register", views.register_page, name="register"),
    path("pending", views.pending_page, name="pending"),
    path("logout", views.logout_page, name="logout"),
    path("account", views.account_page, name="account"),
    path("account/sessions/<uuid:session_id>/revoke", views.revoke_session_page, name="revoke-session"),
    path("account/sessions/revoke-all", views.revoke_all_sessions_page, name="revoke-all-sessions"),
    path("account/api-token", views.create_api_token_page, name="create-api-token"),
    path("account/api-token/revoke", views.revoke_api_token_page, name="revoke-api-token"),
    path("account/pairing-code", views.create_pairing_code_page, name="create-pairing-code"),
]
