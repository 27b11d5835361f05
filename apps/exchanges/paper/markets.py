"""The paper markets (`settings.PAPER_MARKETS`) and what a valid order on them looks like."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings

from apps.exchanges.models import ExchangeAccount, PaperOrder
from apps.exchanges.venues.base import ORDER_TYPES, SIDES, TIME_IN_FORCE, InvalidOrder, OrderRequest, UnknownSymbol

MAX_LEVERAGE = 125
MAX_AMOUNT = Decimal("1e20")


def markets() -> dict[str, Decimal]:
    """Each paper symbol (`BTC_USDT`) and its opening price, from `settings.PAPER_MARKETS`."""
    return {symbol: Decimal(str(price)) for symbol, price in settings.PAPER_MARKETS.items()}


def quote_of(symbol: str) -> str:
    if symbol not in markets():
        raise UnknownSymbol(f"The paper exchange has no market {symbol!r}; it lists {', '.join(sorted(markets()))}.")
    return symbol.rsplit("_", 1)[1]


def quote_assets() -> list[str]:
    return sorted({quote_of(symbol) for symbol in markets()})


def symbols_of(quote: str) -> list[str]:
    return [symbol for symbol in markets() if symbol.rsplit("_", 1)[1] == quote]


def price_step(symbol: str) -> Decimal:
    """The tick size: five significant digits of the opening price (0.1 for 50000, 0.01 for 3000)."""
    opening = markets()[symbol] if symbol in markets() else Decimal(1)
    return Decimal(1).scaleb(opening.adjusted() - 5)


def fee_rate() -> Decimal:
    return Decimal(str(settings.PAPER_FEE_RATE))


# --- orders ---------------------------------------------------------------------------------------


def new_order(account: ExchangeAccount, request: OrderRequest) -> PaperOrder:
    """The order `request` describes, validated and not saved."""
    if request.side not in SIDES:
        raise InvalidOrder(f"side must be one of {', '.join(SIDES)}, not {request.side!r}.")
    if request.order_type not in ORDER_TYPES:
        raise InvalidOrder(f"order type must be one of {', '.join(ORDER_TYPES)}, not {request.order_type!r}.")
    if request.time_in_force not in TIME_IN_FORCE:
        raise InvalidOrder(f"time in force must be one of {', '.join(TIME_IN_FORCE)}, not {request.time_in_force!r}.")
    if not isinstance(request.client_order_id, str) or not 0 < len(request.client_order_id) <= 64:
        raise InvalidOrder("client_order_id must be 1 to 64 characters.")
    leverage = request.leverage
    if leverage is not None and (isinstance(leverage, bool) or not isinstance(leverage, int)):
        raise InvalidOrder(f"leverage must be a whole number, not {leverage!r}.")
    if leverage is not None and not 1 <= leverage <= MAX_LEVERAGE:
        raise InvalidOrder(f"leverage must be between 1 and {MAX_LEVERAGE}, not {leverage}.")
    quote_of(request.symbol)
    kind = request.order_type
    return PaperOrder(
        account=account,
        client_order_id=request.client_order_id,
        symbol=request.symbol,
        side=request.side,
        order_type=kind,
        time_in_force=request.time_in_force,
        quantity=amount(request.quantity, "quantity"),
        filled_quantity=Decimal(0),
        price=amount(request.price, "price", kind) if kind in ("limit", "stop_limit") else None,
        stop_price=amount(request.stop_price, "stop_price", kind) if kind in ("stop", "stop_limit") else None,
        reduce_only=bool(request.reduce_only),
    )


def amount(value: object, name: str, order_type: str | None = None) -> Decimal:
    if value is None:
        raise InvalidOrder(f"A {order_type} order needs a {name}." if order_type else f"{name} is required.")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidOrder(f"{name} must be a number, not {value!r}.") from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise InvalidOrder(f"{name} must be a positive number below {MAX_AMOUNT:f}, not {value}.")
    if amount.normalize().as_tuple().exponent < -18:
        raise InvalidOrder(f"{name} has more than 18 decimal places: {value}.")
    return amount
