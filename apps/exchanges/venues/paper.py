"""The `Venue` protocol over the built-in paper exchange (`apps.exchanges.paper`).

Writes go through the paper engine (locked, atomic); this module reads its rows and speaks the
protocol's dataclasses. See the engine's docstring for how orders fill.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from apps.core.rows import exact, fetch_rows, fetch_value, uuid_param
from apps.exchanges.models import ExchangeAccount, PaperBalance, PaperFill, PaperOrder, PaperOrderStatus, PaperPosition
from apps.exchanges.paper import candles as paper_candles
from apps.exchanges.paper import engine
from apps.exchanges.paper.ledger import tidy as _tidy
from apps.exchanges.paper.ledger import unrealized_pnl
from apps.exchanges.venues.base import (
    AccountState,
    Balance,
    Candle,
    InvalidOrder,
    Market,
    OrderRequest,
    Position,
    TradePage,
    VenueError,
    VenueOrder,
    VenueTrade,
    check_candle_request,
)

MAX_PAGE = 1000
PLACES = PaperPosition._meta.get_field("quantity").decimal_places
# Plain SQL: the decision and the protection check read them for every trade, and the ORM's
# compile of the position read (a subquery for the mark) cost more than running it.
_POSITIONS = """SELECT p.symbol, p.quantity, p.entry_price, p.leverage,
        (SELECT pr.price FROM exchanges_paperprice pr WHERE pr.symbol = p.symbol) AS mark
    FROM exchanges_paperposition p
    WHERE p.account_id = %s AND p.quantity <> 0
    ORDER BY p.symbol"""
_WALLET = "SELECT total FROM exchanges_paperbalance WHERE account_id = %s AND asset = %s"
_BALANCES = "SELECT * FROM exchanges_paperbalance WHERE account_id = %s ORDER BY asset"
# Read before every trade (the protection check's refresh): as raw SQL, for the same reason.
_OPEN_ORDERS = "SELECT * FROM exchanges_paperorder WHERE account_id = %s AND status = %s{symbol} ORDER BY id"


def tidy(value: Decimal | None) -> Decimal | None:
    return None if value is None else _tidy(value)


class PaperVenue:
    exchange_name = "paper"
    transactional = True

    def __init__(self, account: ExchangeAccount) -> None:
        self.account = account

    # --- reads --------------------------------------------------------------------------------

    def fetch_balance(self) -> list[Balance]:
        balances = []
        margins = engine.margins_in_use(account=self.account)
        for row in PaperBalance.objects.raw(_BALANCES, [uuid_param(self.account.pk)]):
            used = margins.get(row.asset, Decimal(0))
            balances.append(
                Balance(asset=row.asset, free=_tidy(row.total - used), used=_tidy(used), total=_tidy(row.total))
            )
        return balances

    def fetch_positions(self) -> list[Position]:
        # Each row with its symbol's stored price, in one query; a market never ticked yet is at
        # its opening price.
        opening = engine.markets()
        positions = []
        for row in fetch_rows(_POSITIONS, [uuid_param(self.account.pk)]):
            quantity, entry_price = exact(row["quantity"], PLACES), exact(row["entry_price"], PLACES)
            if row["mark"] is not None:
                mark = _tidy(exact(row["mark"], PLACES))
            elif row["symbol"] in opening:
                mark = _tidy(opening[row["symbol"]])
            else:
                mark = engine.current_price(row["symbol"])
            positions.append(
                Position(
                    symbol=row["symbol"],
                    side="long" if quantity > 0 else "short",
                    quantity=_tidy(abs(quantity)),
                    entry_price=_tidy(entry_price),
                    mark_price=mark,
                    unrealized_pnl=_tidy(unrealized_pnl(quantity=quantity, entry_price=entry_price, mark_price=mark)),
                    leverage=row["leverage"],
                )
            )
        return positions

    def fetch_markets(self) -> list[Market]:
        # Any positive quantity is accepted (the book has unlimited depth), so no quantity step.
        return [
            Market(
                symbol=symbol,
                base=symbol.rsplit("_", 1)[0],
                quote=symbol.rsplit("_", 1)[1],
                type="swap",
                price_step=engine.price_step(symbol),
            )
            for symbol in sorted(engine.markets())
        ]

    def fetch_price(self, symbol: str) -> Decimal:
        return engine.current_price(symbol)

    def account_state(self, *, quote: str) -> AccountState:
        positions = [position for position in self.fetch_positions() if position.symbol.endswith(f"_{quote}")]
        wallet = exact(fetch_value(_WALLET, [uuid_param(self.account.pk), quote]), PLACES)
        equity = (wallet or Decimal(0)) + sum((position.unrealized_pnl for position in positions), Decimal(0))
        return AccountState(equity=_tidy(equity), positions=positions)

    def fetch_order(
        self, *, symbol: str, venue_order_id: str | None = None, client_order_id: str | None = None
    ) -> VenueOrder:
        order = engine.find_order(account=self.account, venue_order_id=venue_order_id, client_order_id=client_order_id)
        return venue_order(order)

    def fetch_open_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        params = [uuid_param(self.account.pk), PaperOrderStatus.OPEN]
        if symbol is None:
            return [venue_order(order) for order in PaperOrder.objects.raw(_OPEN_ORDERS.format(symbol=""), params)]
        sql = _OPEN_ORDERS.format(symbol=" AND symbol = %s")
        return [venue_order(order) for order in PaperOrder.objects.raw(sql, [*params, symbol])]

    def fetch_my_trades(self, *, symbol: str, cursor: str | None, limit: int) -> TradePage:
        """Fills of `symbol` by id, oldest first; `cursor` is the last id already seen."""
        if cursor and not (str(cursor).isdigit() and len(str(cursor)) <= 18):
            raise InvalidOrder(f"cursor must be a trade id from an earlier page, not {cursor!r}.")
        after = int(cursor) if cursor else 0
        limit = max(1, min(int(limit), MAX_PAGE))
        fills = list(PaperFill.objects.filter(account=self.account, symbol=symbol, id__gt=after).order_by("id")[:limit])
        trades = [venue_trade(fill) for fill in fills]
        return TradePage(trades=trades, next_cursor=trades[-1].trade_id if len(trades) == limit else None)

    def fetch_order_trades(self, *, symbol: str, venue_order_id: str) -> list[VenueTrade]:
        """The fills of one order by id; none for an id that is not one of this account's orders."""
        if not (str(venue_order_id).isdigit() and len(str(venue_order_id)) <= 18):
            return []
        fills = PaperFill.objects.filter(account=self.account, symbol=symbol, order_id=int(venue_order_id))
        return [venue_trade(fill) for fill in fills.order_by("id")]

    def traded_symbols(self) -> list[str]:
        fills = PaperFill.objects.filter(account=self.account)
        return sorted(set(fills.values_list("symbol", flat=True).distinct()))

    def candles(self, *, symbol: str, timeframe: str = "1m", limit: int = 120) -> list[Candle]:
        """The feed's recorded minutes of `symbol` (`paper.candles`); empty until it has ticked."""
        limit = check_candle_request(timeframe, limit)
        engine.quote_of(symbol)
        return paper_candles.history(symbol, timeframe=timeframe, limit=limit)

    # --- writes -------------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> VenueOrder:
        return venue_order(engine.place_order(account=self.account, request=request))

    def place_orders(self, requests: Sequence[OrderRequest]) -> list[VenueOrder | VenueError | None]:
        placed = engine.place_orders(account=self.account, requests=requests)
        return [venue_order(answer) if isinstance(answer, PaperOrder) else answer for answer in placed]

    def cancel_order(self, *, symbol: str, venue_order_id: str) -> VenueOrder:
        return venue_order(engine.cancel_order(account=self.account, venue_order_id=venue_order_id))


def venue_order(order: PaperOrder) -> VenueOrder:
    return VenueOrder(
        venue_order_id=str(order.pk),
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        status=str(order.status),
        quantity=_tidy(order.quantity),
        filled_quantity=_tidy(order.filled_quantity),
        average_price=tidy(order.average_price),
        price=tidy(order.price),
        stop_price=tidy(order.stop_price),
        trades=None if order.new_fills is None else tuple(venue_trade(fill) for fill in order.new_fills),
    )


def venue_trade(fill: PaperFill) -> VenueTrade:
    return VenueTrade(
        trade_id=str(fill.pk),
        order_id=str(fill.order_id),
        symbol=fill.symbol,
        side=fill.side,
        price=_tidy(fill.price),
        quantity=_tidy(fill.quantity),
        fee=_tidy(fill.fee),
        fee_asset=fill.fee_asset,
        executed_at=fill.executed_at,
        realized_pnl=_tidy(fill.realized_pnl),
    )
