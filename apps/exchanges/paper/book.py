"""One paper account's state in one quote asset: its positions, its resting orders and the initial
margin they hold (`ledger` does the arithmetic, `engine` the locking and the writes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from apps.core.rows import uuid_param
from apps.exchanges.models import PaperBalance, PaperOrder, PaperOrderStatus, PaperPosition
from apps.exchanges.paper.ledger import RestingOrder, symbol_margin
from apps.exchanges.paper.markets import quote_assets, symbols_of

if TYPE_CHECKING:
    from uuid import UUID

    from apps.exchanges.models import ExchangeAccount


@dataclass
class Book:
    """One account's state in one quote asset, loaded under its balance row's lock."""

    balance: PaperBalance | None
    account_id: UUID
    positions: dict[str, PaperPosition] = field(default_factory=dict)
    orders: list[PaperOrder] = field(default_factory=list)  # open ones, oldest first

    def position(self, symbol: str) -> PaperPosition:
        if symbol not in self.positions:
            self.positions[symbol] = PaperPosition(
                account_id=self.account_id, symbol=symbol, quantity=Decimal(0), entry_price=Decimal(0)
            )
        return self.positions[symbol]

    def used_margin(
        self, *, symbol: str | None = None, state: tuple[Decimal, Decimal, int] | None = None, extra: list | None = None
    ) -> Decimal:
        """Margin in use; with `symbol`, as if its position were `state` and `extra` orders rested."""
        orders = [*self.orders, *(extra or [])]
        total = Decimal(0)
        for name in {*self.positions, *(order.symbol for order in orders), *([symbol] if symbol else [])}:
            position = self.position(name)
            quantity, entry, leverage = (
                state if name == symbol and state else (position.quantity, position.entry_price, position.leverage)
            )
            resting = [
                RestingOrder(order.side, order.quantity - order.filled_quantity, reserve_price(order))
                for order in orders
                if order.symbol == name and not order.reduce_only
            ]
            total += symbol_margin(quantity=quantity, entry_price=entry, leverage=leverage, orders=resting)
        return total


def book_rows(account_id: UUID, quote: str) -> dict[str, Any]:
    """A `Book`'s account, positions and open orders in `quote`, as read now."""
    symbols = symbols_of(quote)
    positions = PaperPosition.objects.filter(account_id=account_id, symbol__in=symbols)
    orders = PaperOrder.objects.filter(account_id=account_id, symbol__in=symbols, status=PaperOrderStatus.OPEN)
    return {
        "account_id": account_id,
        "positions": {position.symbol: position for position in positions},
        "orders": list(orders.order_by("id")),
    }


# Raw SQL: a balance is read after every fill a trade makes, and the ORM's compile of these two
# cost more than running them.
_POSITIONS = "SELECT * FROM exchanges_paperposition WHERE account_id = %s"
_OPEN_ORDERS = "SELECT * FROM exchanges_paperorder WHERE account_id = %s AND status = %s ORDER BY id"


def margins_in_use(*, account: ExchangeAccount) -> dict[str, Decimal]:
    """Initial margin held by the account's positions and resting orders, per quote asset (no
    locks): one read of the positions and one of the orders, whatever the number of assets."""
    account_id = uuid_param(account.pk)
    positions = list(PaperPosition.objects.raw(_POSITIONS, [account_id]))
    orders = list(PaperOrder.objects.raw(_OPEN_ORDERS, [account_id, PaperOrderStatus.OPEN]))
    margins = {}
    for quote in quote_assets():
        symbols = set(symbols_of(quote))
        book = Book(
            balance=None,
            account_id=account.pk,
            positions={position.symbol: position for position in positions if position.symbol in symbols},
            orders=[order for order in orders if order.symbol in symbols],
        )
        margins[quote] = book.used_margin()
    return margins


def reserve_price(order: PaperOrder) -> Decimal:
    """The price a resting order reserves margin at: the limit, or the stop of a stop-market."""
    return order.stop_price if order.order_type == "stop" else order.price
