from django.urls import path

from apps.accounts import api_app, api_desk

app_api_urlpatterns = [
    path("auth/register", api_app.RegisterView.as_view()),
    path("auth/login", api_app.LoginView.as_view()),
    path("auth/logout", api_app.LogoutView.as_view()),
    path("auth/me", api_app.MeView.as_view()),
    path("auth/refresh", api_app.RefreshView.as_view()),
    path("admin/users", api_app.AdminUserListView.as_view()),
    path("admin/users/<uuid:userId>", api_app.AdminUserDetailView.as_view()),
    path("user/token", api_app.ApiTokenView.as_view()),
]

desk_api_urlpatterns = [
    path("auth/nonce", api_desk.NonceView.as_view()),
    path("auth/verify-siwe", api_desk.VerifySiweView.as_view()),
    path("auth/refresh", api_desk.RefreshView.as_view()),
    path("auth/extension-refresh", api_desk.ExtensionRefreshView.as_view()),
    path("auth/pair-extension", api_desk.PairExtensionView.as_view()),
    path("auth/extension-pair", api_desk.ExtensionPairView.as_view()),
    path("auth/me", api_desk.MeView.as_view()),
    path("auth/logout", api_desk.LogoutView.as_view()),
    path("auth/revoke-all", api_desk.RevokeAllView.as_view()),
]
