from django.urls import path

from apps.exchanges import api

urlpatterns = [
    path("exchanges", api.ExchangeListView.as_view()),
    path("exchanges/supported", api.SupportedExchangesView.as_view()),
    path("exchanges/accounts", api.ExchangeAccountListView.as_view()),
    path("exchanges/accounts/<str:account_id>", api.ExchangeAccountDetailView.as_view()),
    path("exchanges/accounts/<str:account_id>/test", api.ExchangeAccountTestView.as_view()),
    path("exchanges/accounts/<str:account_id>/balance", api.ExchangeAccountBalanceView.as_view()),
    path("exchanges/accounts/<str:account_id>/positions", api.ExchangeAccountPositionsView.as_view()),
    path("exchanges/agent-wallet/init", api.AgentWalletInitView.as_view()),
    path("exchanges/agent-wallet/approve", api.AgentWalletApproveView.as_view()),
    path("exchanges/agent-wallet/<str:wallet_id>/revoke", api.AgentWalletRevokeView.as_view()),
]
