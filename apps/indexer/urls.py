from django.urls import path

from apps.indexer import api
from apps.indexer.devbe import views as devbe

# Under /api/v1/ (seed 004's chain reads).
chain_api_urlpatterns = [
    path("health", api.HealthView.as_view()),
    path("transactions", api.TransactionListView.as_view()),
    path("transactions/address/<str:address>", api.AddressTransactionsView.as_view()),
    path("transactions/<str:hash>", api.TransactionDetailView.as_view()),
    path("blocks/<str:block_number>", api.BlockView.as_view()),
    path("tokens/<str:contract_address>", api.TokenView.as_view()),
]

# Under /api/ (seed 004's devbe, cookie or token auth, OPERATOR and ADMIN).
devbe_urlpatterns = devbe.urlpatterns()
