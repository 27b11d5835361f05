"""An order's fills: its venue trades saved once each as `Fill` rows, and whether some are
still missing. Called by `apps.trades.execution` while it holds the order's row lock."""

from __future__ import annotations

import logging
from decimal import Decimal

from apps.exchanges.venues.base import Venue, VenueError, VenueOrder, VenueTrade
from apps.trades.hooks import fills_recorded
from apps.trades.models import Fill, Order

logger = logging.getLogger(__name__)


def _order_trades(venue: Venue, order: Order) -> list[VenueTrade]:
    return venue.fetch_order_trades(symbol=order.symbol, venue_order_id=order.venue_order_id)


def record_order_fills(venue: Venue, order: Order, answer: VenueOrder | None = None) -> None:
    """Save the order's venue trades as `Fill` rows, once each: the history import may have saved
    some first, and those are only linked to the order. A venue that cannot list them now is asked
    again on the next refresh, since the recorded quantity stays short of the filled one. The
    trades an `answer` carries are the ones its call made: not read again, and too new to have
    been imported."""
    made_now = answer is not None and answer.trades is not None
    try:
        trades = list(answer.trades) if made_now else _order_trades(venue, order)
    except VenueError as exc:
        logger.warning("Could not read the fills of order %s: %s", order.id, exc.detail)
        return
    if not trades:
        return
    common = {"user_id": order.user_id, "venue": order.exchange_account.exchange_name}
    Fill.objects.bulk_create(
        [
            Fill(
                **common,
                exchange_account=order.exchange_account,
                venue_order_id=order.venue_order_id,
                order=order,
                symbol=trade.symbol,
                venue_trade_id=trade.trade_id,
                side=trade.side,
                price=trade.price,
                quantity=trade.quantity,
                fee=trade.fee,
                fee_asset=trade.fee_asset,
                realized_pnl=trade.realized_pnl,
                executed_at=trade.executed_at,
            )
            for trade in trades
        ],
        ignore_conflicts=True,  # the unique (user, venue, symbol, trade id) row already there
    )
    if not made_now:
        _link_imported(order, trades)
    # Some may have been there already; the journal's update is idempotent, so it is told anyway.
    fills_recorded(user_id=order.user_id, exchange_account_id=order.exchange_account_id, symbols=[order.symbol])


def _link_imported(order: Order, trades: list[VenueTrade]) -> None:
    common = {"user_id": order.user_id, "venue": order.exchange_account.exchange_name}
    Fill.objects.filter(
        **common,
        symbol__in={trade.symbol for trade in trades},
        venue_trade_id__in=[trade.trade_id for trade in trades],
        order__isnull=True,
    ).update(order=order, venue_order_id=order.venue_order_id)


def fills_missing(order: Order) -> bool:
    if order.filled_quantity <= 0:
        return False
    recorded = sum((f.quantity for f in Fill.objects.filter(order=order)), Decimal(0))
    return recorded < order.filled_quantity
