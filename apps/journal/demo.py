"""The demo trader's journal for `make run`: three months of closed paper trades, so the journal
and its analytics show something on first start.

The trades are made the way real ones arrive: `Fill` rows on the trader's paper account (as the
history import stores them), some opened from a trade group with a planned stop and targets,
then the journal's own update matches them into round trips. Everything is derived from a fixed
seed and keyed (fills by venue trade id, groups and orders by idempotency key), so running it
again adds nothing; the dates follow `now`, so a fresh database always has recent months.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.journal.models import JournalEntry
from apps.journal.services.annotations import tag_trade, update_trade_notes
from apps.journal.services.entries import create_entry
from apps.journal.services.updates import SeriesResult, update_journal
from apps.trades.models import Fill, GroupStatus, Order, OrderRole, OrderStatus, TradeGroup

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.exchanges.models import ExchangeAccount

SEED = 11
TRADES = 60
DAYS = 90
PREFIX = "demo-journal"
# Opening prices of the walk, and the lot each market trades in.
MARKETS = {
    "BTC_USDT": (Decimal("50000"), Decimal("0.0001")),
    "ETH_USDT": (Decimal("3000"), Decimal("0.001")),
    "SOL_USDT": (Decimal("150"), Decimal("0.01")),
}
RISK_PER_TRADE = Decimal("100")  # USDT lost at the stop
FEE_RATE = Decimal("0.0004")
CENT = Decimal("0.01")
TAGS = ("breakout", "pullback", "news", "range")
ENTRIES = (
    (
        "Week review: cut the losers faster",
        "Three losses ran **past the stop** I had in my head but not on the exchange.\n\n"
        "- Put the stop on the exchange *before* the entry fills.\n- No trades in the first 15 minutes after news.\n",
    ),
    (
        "Plan for the month",
        "Trade the **pullback** setup on BTC and ETH only; risk 100 USDT a trade.\n\n"
        "| Rule | Why |\n|---|---|\n"
        "| Max 3 trades a day | overtrading after a loss |\n"
        "| Stop always set | R means something |\n",
    ),
)


@dataclass(frozen=True)
class DemoTrade:
    index: int
    symbol: str
    side: str
    quantity: Decimal
    entry: Decimal
    stop: Decimal
    exits: tuple[tuple[Decimal, Decimal], ...]  # (price, quantity)
    opened_at: datetime
    closed_at: datetime
    planned: bool  # opened from a trade group with a stop and targets
    tag: str | None

    @property
    def key(self) -> str:
        return f"{PREFIX}-{self.index:03d}"


def _price(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - 5))


def demo_trades(*, now: datetime) -> list[DemoTrade]:
    """The same trades for the same `now`: wins and losses (about 55% won), long and short, held
    from minutes to days, some scaled out in two exits."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    prices = {symbol: start for symbol, (start, _) in MARKETS.items()}
    start = (now - timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    trades = []
    for index in range(TRADES):
        symbol = rng.choice(list(MARKETS))
        lot = MARKETS[symbol][1]
        prices[symbol] = _price(prices[symbol] * Decimal(str(1 + rng.uniform(-0.03, 0.032))))
        entry = prices[symbol]
        side = "buy" if rng.random() < 0.6 else "sell"
        direction = 1 if side == "buy" else -1
        distance = _price(entry * Decimal(str(rng.uniform(0.005, 0.015))))
        quantity = (RISK_PER_TRADE / distance).quantize(lot, rounding=ROUND_DOWN)
        won = rng.random() < 0.55
        r = Decimal(str(round(rng.uniform(0.4, 3.0) if won else -rng.uniform(0.3, 1.05), 2)))
        exit_price = _price(entry + direction * r * distance)
        opened_at = start + timedelta(days=DAYS * index / TRADES, hours=rng.randint(0, 14), minutes=rng.randint(0, 59))
        # Six minutes to twenty hours: closed before the next trade can open (1.5 days apart, give
        # or take 15 hours), so the matcher sees one position at a time per market.
        held = timedelta(minutes=int(10 ** rng.uniform(0.8, 3.08)))
        if won and rng.random() < 0.35:  # half taken at 1R, the rest at the exit
            half = (quantity / 2).quantize(lot, rounding=ROUND_DOWN)
            first = _price(entry + direction * distance)
            exits = ((first, half), (exit_price, quantity - half))
        else:
            exits = ((exit_price, quantity),)
        trades.append(
            DemoTrade(
                index=index,
                symbol=symbol,
                side=side,
                quantity=quantity,
                entry=entry,
                stop=_price(entry - direction * distance),
                exits=exits,
                opened_at=opened_at,
                closed_at=min(opened_at + held, now - timedelta(minutes=5)),
                planned=rng.random() < 0.6,
                tag=rng.choice(TAGS) if rng.random() < 0.5 else None,
            )
        )
    return trades


def _group(trade: DemoTrade, *, user: User, account: ExchangeAccount) -> tuple[TradeGroup, Order]:
    """The trade group a planned trade was opened from, its entry, stop and target legs."""
    direction = 1 if trade.side == "buy" else -1
    exit_side = "sell" if trade.side == "buy" else "buy"
    realized = sum(((price - trade.entry) * direction * qty for price, qty in trade.exits), Decimal(0))
    group, _ = TradeGroup.objects.get_or_create(
        user=user,
        idempotency_key=trade.key,
        defaults={
            "exchange_account": account,
            "symbol": trade.symbol,
            "side": trade.side,
            "entry_type": "limit",
            "entry_price": trade.entry,
            "quantity": trade.quantity,
            "stop_loss_price": trade.stop,
            "status": GroupStatus.CLOSED,
            "filled_quantity": trade.quantity,
            "average_entry_price": trade.entry,
            "closed_quantity": trade.quantity,
            "realized_pnl": realized,
            "close_reason": "demo",
            "closed_at": trade.closed_at,
        },
    )
    legs = [
        (OrderRole.ENTRY, None, trade.side, "limit", trade.entry, OrderStatus.FILLED),
        (OrderRole.STOP_LOSS, None, exit_side, "stop", trade.stop, OrderStatus.CANCELLED),
        (
            OrderRole.TAKE_PROFIT,
            0,
            exit_side,
            "limit",
            trade.entry + direction * 2 * abs(trade.entry - trade.stop),
            None,
        ),
    ]
    orders = {}
    for role, rung, side, kind, price, status in legs:
        orders[role], _ = Order.objects.get_or_create(
            user=user,
            idempotency_key=f"{trade.key}-{role.lower()}",
            defaults={
                "exchange_account": account,
                "group": group,
                "role": role,
                "target_index": rung,
                "symbol": trade.symbol,
                "side": side,
                "order_type": kind,
                "price": _price(price),
                "quantity": trade.quantity,
                "status": status or OrderStatus.CANCELLED,
            },
        )
    return group, orders[OrderRole.ENTRY]


def _fill(trade: DemoTrade, *, suffix: str, side: str, price: Decimal, quantity: Decimal, at: datetime, **rest) -> Fill:
    return Fill(
        symbol=trade.symbol,
        venue_trade_id=f"{trade.key}-{suffix}",
        side=side,
        price=price,
        quantity=quantity,
        fee=(price * quantity * FEE_RATE).quantize(Decimal("0.00000001")),
        fee_asset="USDT",
        executed_at=at,
        **rest,
    )


@transaction.atomic
def seed_demo_journal(*, user: User, account: ExchangeAccount, now: datetime | None = None) -> SeriesResult:
    """Give `user` the demo trades on their paper `account` (see the module docstring); returns
    what the journal's update wrote (nothing on a second run)."""
    trades = demo_trades(now=now or timezone.now())
    fills = []
    for trade in trades:
        order = _group(trade, user=user, account=account)[1] if trade.planned else None
        common = {"user": user, "exchange_account": account, "venue": account.exchange_name}
        fills.append(
            _fill(
                trade,
                suffix="in",
                side=trade.side,
                price=trade.entry,
                quantity=trade.quantity,
                at=trade.opened_at,
                order=order,
                venue_order_id=str(order.id) if order else "",
                **common,
            )
        )
        exit_side = "sell" if trade.side == "buy" else "buy"
        span = trade.closed_at - trade.opened_at
        for number, (price, quantity) in enumerate(trade.exits, start=1):
            at = trade.closed_at if number == len(trade.exits) else trade.opened_at + span / 2
            fills.append(
                _fill(trade, suffix=f"out{number}", side=exit_side, price=price, quantity=quantity, at=at, **common)
            )
    # The fills' unique key (user, venue, symbol, venue trade id) is what makes a second run a no-op.
    Fill.objects.bulk_create(fills, ignore_conflicts=True)
    result = update_journal(user_id=user.id, exchange_account_id=account.id, symbols=list(MARKETS))
    _annotate(user=user, trades=trades)
    return result


def _annotate(*, user: User, trades: list[DemoTrade]) -> None:
    """Tags on about half the trades, a note on a few, and two entries (each once)."""
    opened = {
        t.venue_trade_id: t.journal_trade.id
        for t in Fill.objects.filter(user=user, venue_trade_id__startswith=PREFIX, venue_trade_id__endswith="-in")
        .select_related("journal_trade")
        .only("venue_trade_id", "journal_trade__id")
        if hasattr(t, "journal_trade")
    }
    for trade in trades:
        trade_id = opened.get(f"{trade.key}-in")
        if trade_id is None:
            continue
        if trade.tag:
            tag_trade(user=user, trade_id=trade_id, name=trade.tag)
        if trade.index % 9 == 0:
            update_trade_notes(
                user=user,
                trade_id=trade_id,
                notes="Waited for the retest before entering; stop under the range low."
                if trade.planned
                else "Chased the move without a stop on the exchange.",
            )
    written = set(JournalEntry.objects.filter(user=user).values_list("title", flat=True))
    for title, content in ENTRIES:
        if title not in written:
            create_entry(user=user, title=title, content=content)
