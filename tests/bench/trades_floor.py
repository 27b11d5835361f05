"""The hand-written floor of POST /api/v1/trades: what any endpoint that places a trade's orders
for a signed-in trader must do, and nothing the platform adds.

A plain Django view behind the same middleware: the same Bearer token resolved the same way
(the session and user from the database, as every write does), the trader's right to trade, the
body parsed with orjson and validated by the endpoint's own `TradeInput` (DRF stays for
validation), the account read as its owner's, then the same bare paper-exchange calls as the
"all legs" baseline (the entry; once a market entry fills, its stop and both targets, one call
each) and a small orjson answer. No idempotency, no decision loop, no protection check, no group
or order rows, no stream events.

So `floor ÷ bare paper orders` is the cost of serving the calls over HTTP at all, and
`POST /trades ÷ floor` the cost of what the platform does for a trade beyond that.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.exceptions import AuthenticationFailed

import config.urls
from apps.accounts.authentication import TokenAuthentication
from apps.accounts.permissions import may_trade
from apps.exchanges.models import AccountStatus, ExchangeAccount
from apps.exchanges.venues.base import OrderRequest
from apps.exchanges.venues.paper import PaperVenue
from apps.trades.api.groups import TradeInput
from apps.trades.models import new_client_order_id
from tests.bench.trades_api import FLOOR_PATH


def _answer(status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _orders(data: dict[str, Any]) -> tuple[OrderRequest, list[OrderRequest]]:
    """The entry, and the stop and targets a filled entry is protected with (reduce-only)."""
    symbol, quantity = data["symbol"], data["quantity"]
    entry = OrderRequest(
        symbol=symbol,
        client_order_id=new_client_order_id(),
        side=data["side"],
        order_type=data["entry_type"],
        quantity=quantity,
        price=data.get("entry_price"),
        leverage=data["leverage"],
    )
    exit_side = "sell" if data["side"] == "buy" else "buy"
    legs = [
        OrderRequest(
            symbol=symbol,
            client_order_id=new_client_order_id(),
            side=exit_side,
            order_type="stop",
            quantity=quantity,
            stop_price=data["stop_loss_price"],
            reduce_only=True,
        )
    ]
    for target in data.get("take_profit", []):
        legs.append(
            OrderRequest(
                symbol=symbol,
                client_order_id=new_client_order_id(),
                side=exit_side,
                order_type="limit",
                quantity=target["quantity"],
                price=target["price"],
                reduce_only=True,
            )
        )
    return entry, legs


@csrf_exempt
@require_POST
def trade_floor(request: HttpRequest) -> HttpResponse:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    try:
        user, _principal = TokenAuthentication._resolve(raw.strip(), cached=False)
    except AuthenticationFailed:
        return _answer(401, {"error": "INVALID_TOKEN"})
    if scheme.lower() != "bearer" or not may_trade(user):
        return _answer(403, {"error": "FORBIDDEN"})
    serializer = TradeInput(data=orjson.loads(request.body))
    if not serializer.is_valid():
        return _answer(400, {"error": "VALIDATION_ERROR", "details": serializer.errors})
    data = serializer.validated_data
    account = ExchangeAccount.objects.filter(
        pk=data["exchange_account_id"], user=user, status=AccountStatus.ACTIVE
    ).first()
    if account is None:
        return _answer(404, {"error": "NOT_FOUND"})
    venue = PaperVenue(account)
    entry, legs = _orders(data)
    placed = [venue.place_order(entry)]
    if placed[0].status == "filled":
        placed += [venue.place_order(leg) for leg in legs]
    return _answer(201, {"orders": [{"id": order.venue_order_id, "status": order.status} for order in placed]})


urlpatterns = [path(FLOOR_PATH.lstrip("/"), trade_floor), *config.urls.urlpatterns]
