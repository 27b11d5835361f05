"""Risk config, account snapshots for the decision loop, and the daily-drawdown watch.

`evaluate_ticket` is the one door to `decide_trade` for code that holds models: it loads the
trader's limits and the account's state, and adds the watch's verdict for the day (once the
drawdown limit has been breached, new trades are refused until the next UTC day, even if
equity has recovered since).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, DecimalField, Exists, OuterRef, Subquery
from django.utils import timezone

from apps.core.errors import ApiError
from apps.core.rows import columns, exact, fetch_rows, uuid_param
from apps.core.streams import publish_on_commit
from apps.exchanges.models import AccountStatus, ExchangeAccount
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import VenueError, quote_asset
from apps.trades.decision import (
    RULES,
    AccountSnapshot,
    Limits,
    Ticket,
    Verdict,
    Violation,
    decide_trade,
    drawdown_percent,
    validate_ticket,
)
from apps.trades.models import OPEN_GROUP_STATUSES, DailyEquity, Order, RiskConfig, TradeGroup

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.exchanges.venues.base import Venue

logger = logging.getLogger(__name__)

RISK_CONFIG_FIELDS = (
    "account_risk_percent",
    "max_risk_amount",
    "max_position_size",
    "max_leverage",
    "daily_max_drawdown_percent",
    "max_open_positions",
    "require_stop_loss",
    "min_risk_reward_ratio",
)
MAX_LEVERAGE = 125
# The API renders the config as JSON numbers; up to 15 significant digits read back exactly
# through a double, so a saved value is always the value a client sees.
MAX_SIGNIFICANT_DIGITS = 15
# The quote the watch measures equity in when an account's latest market does not say.
DEFAULT_QUOTE = "USDT"
# Accounts untouched for this long are not watched: they place nothing, and the first ticket
# of a day records the starting equity itself.
WATCH_IDLE_AFTER = timedelta(days=1)


# --- risk config ----------------------------------------------------------------------------


def risk_config_for(*, user: User) -> RiskConfig:
    """The trader's saved config, or an unsaved one holding the defaults."""
    return RiskConfig.objects.filter(user=user).first() or RiskConfig(user=user)


@transaction.atomic
def update_risk_config(*, user: User, data: dict[str, Any]) -> RiskConfig:
    """Set the given fields (the API sends all of them); invalid values raise a
    ValidationError naming each field, and nothing is saved."""
    unknown = sorted(set(data) - set(RISK_CONFIG_FIELDS))
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    RiskConfig.objects.get_or_create(user=user)
    config = RiskConfig.objects.select_for_update().get(user=user)
    for name, value in data.items():
        setattr(config, name, value)
    errors: dict[str, list[str]] = {}
    try:
        config.full_clean()
    except ValidationError as exc:
        errors = {name: list(messages) for name, messages in exc.message_dict.items()}
    for name, message in _range_errors(config).items():
        errors.setdefault(name, [message])
    if errors:
        raise ValidationError(errors)
    config.save()
    return config


def _range_errors(config: RiskConfig) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("account_risk_percent", "daily_max_drawdown_percent"):
        value = getattr(config, name)
        if isinstance(value, Decimal) and not 0 < value <= 100:
            errors[name] = "Must be above 0 and at most 100."
    for name in ("max_risk_amount", "max_position_size", "min_risk_reward_ratio"):
        value = getattr(config, name)
        if isinstance(value, Decimal) and not value > 0:
            errors[name] = "Must be above 0."
    if isinstance(config.max_leverage, int) and not 1 <= config.max_leverage <= MAX_LEVERAGE:
        errors["max_leverage"] = f"Must be between 1 and {MAX_LEVERAGE}."
    if isinstance(config.max_open_positions, int) and config.max_open_positions < 1:
        errors["max_open_positions"] = "Must be at least 1."
    for name in RISK_CONFIG_FIELDS:
        value = getattr(config, name)
        if (
            name not in errors
            and isinstance(value, Decimal)
            and value.is_finite()
            and len(value.normalize().as_tuple().digits) > MAX_SIGNIFICANT_DIGITS
        ):
            errors[name] = f"Use at most {MAX_SIGNIFICANT_DIGITS} significant digits."
    return errors


# --- account state --------------------------------------------------------------------------


def utc_today() -> date:
    return timezone.now().astimezone(UTC).date()


def _day_row(*, account: ExchangeAccount, equity: Decimal, quote: str) -> DailyEquity:
    # The unique (account, day, quote) constraint settles a race: the loser reads the winner's row.
    row, _ = DailyEquity.objects.get_or_create(
        exchange_account=account, day=utc_today(), quote=quote, defaults={"starting_equity": equity}
    )
    return row


@dataclass(frozen=True)
class _Recorded:
    """What the platform holds for a decision: the account owner's risk config (the defaults when
    none is saved), the account's row for the UTC day (None before its first sight), and the
    owner's open groups on the account."""

    config: RiskConfig
    day: DailyEquity | None
    open_groups: int


_STATUSES = ", ".join("%s" for _ in OPEN_GROUP_STATUSES)
# One statement for the three (each through its unique key or index): every ticket pays for it,
# and as ORM queries their compile cost more than running them.
_RECORDED = f"""SELECT c.id AS config_id, {columns("c", RISK_CONFIG_FIELDS)},
        d.id AS day_id, d.starting_equity AS day_starting_equity, d.breached_at AS day_breached_at,
        (SELECT COUNT(*) FROM trades_tradegroup g
            WHERE g.user_id = %s AND g.exchange_account_id = %s AND g.status IN ({_STATUSES})) AS open_groups
    FROM (SELECT 1 AS one) o
    LEFT JOIN trades_riskconfig c ON c.user_id = %s
    LEFT JOIN trades_dailyequity d ON d.exchange_account_id = %s AND d.day = %s AND d.quote = %s"""  # noqa: S608 - constants; values are parameters


def _config_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    field = RiskConfig._meta.get_field(name)
    if isinstance(field, BooleanField):
        return bool(value)  # SQLite answers 0 or 1
    return exact(value, field.decimal_places) if isinstance(field, DecimalField) else int(value)


def _recorded(*, account: ExchangeAccount, quote: str) -> _Recorded:
    user, account_id, today = uuid_param(account.user_id), uuid_param(account.pk), utc_today()
    params = [
        user,
        account_id,
        *OPEN_GROUP_STATUSES,
        user,
        account_id,
        connection.ops.adapt_datefield_value(today),
        quote,
    ]
    (row,) = fetch_rows(_RECORDED, params)
    config = RiskConfig(user_id=account.user_id)
    if row["config_id"] is not None:
        config = RiskConfig(
            id=row["config_id"],
            user_id=account.user_id,
            **{name: _config_value(name, row[name]) for name in RISK_CONFIG_FIELDS},
        )
    day = None
    if row["day_id"] is not None:
        breached_at = row["day_breached_at"]
        if breached_at is not None and timezone.is_naive(breached_at):
            breached_at = breached_at.replace(tzinfo=UTC)  # SQLite keeps UTC without its offset
        day = DailyEquity(
            id=row["day_id"],
            exchange_account_id=account.pk,
            day=today,
            quote=quote,
            starting_equity=exact(
                row["day_starting_equity"], DailyEquity._meta.get_field("starting_equity").decimal_places
            ),
            breached_at=breached_at,
        )
    return _Recorded(config=config, day=day, open_groups=row["open_groups"])


def _snapshot(
    *, account: ExchangeAccount, venue: Venue, quote: str, recorded: _Recorded
) -> tuple[AccountSnapshot, DailyEquity]:
    state = venue.account_state(quote=quote)
    day = recorded.day or _day_row(account=account, equity=state.equity, quote=quote)
    snapshot = AccountSnapshot(
        equity=state.equity,
        starting_equity=day.starting_equity,
        open_positions=max(recorded.open_groups, len(state.positions)),
    )
    return snapshot, day


def account_snapshot(*, account: ExchangeAccount, venue: Venue, quote: str) -> AccountSnapshot:
    """Equity now, equity at the start of the UTC day (recorded on first sight), and the open
    positions: the trader's open groups on the account, or the venue's count if it is larger."""
    recorded = _recorded(account=account, quote=quote)
    return _snapshot(account=account, venue=venue, quote=quote, recorded=recorded)[0]


def evaluate_ticket(*, user: User, account: ExchangeAccount, venue: Venue, ticket: Ticket) -> Verdict:
    """The decision loop's verdict on a ticket for this trader and account, with equity in the
    ticket's quote asset. A ticket that is inconsistent on its own (see `validate_ticket`) is a
    400 before any rule runs."""
    if account.user_id != user.pk:
        raise ApiError(status=404, code="NOT_FOUND", message="Exchange account not found.")
    errors = validate_ticket(ticket)
    if errors:
        raise ApiError(status=400, code="VALIDATION_ERROR", message=" ".join(errors))
    quote = quote_asset(ticket.symbol)
    recorded = _recorded(account=account, quote=quote)
    limits = Limits.from_config(recorded.config)
    snapshot, day = _snapshot(account=account, venue=venue, quote=quote, recorded=recorded)
    verdict = decide_trade(ticket, limits, snapshot)
    if ticket.kind == "close" or day.breached_at is None or any(v.rule == "daily_drawdown" for v in verdict.violations):
        return verdict
    breached = Violation(
        "daily_drawdown",
        f"The daily drawdown limit {limits.daily_max_drawdown_percent:f}% was reached at "
        f"{day.breached_at.astimezone(UTC):%H:%M} UTC; new trades are refused until the next UTC day.",
    )
    violations = sorted((*verdict.violations, breached), key=lambda v: RULES.index(v.rule))
    return dataclasses.replace(verdict, approved=False, violations=tuple(violations))


# --- the watch ------------------------------------------------------------------------------


def _watched_accounts() -> list[ExchangeAccount]:
    """Active accounts with an open trade group, or a group or order touched in the last day,
    each annotated with the symbols of its latest group and order (for `_watch_quote`)."""
    since = timezone.now() - WATCH_IDLE_AFTER
    groups = TradeGroup.objects.filter(exchange_account=OuterRef("pk"))
    orders = Order.objects.filter(exchange_account=OuterRef("pk"))
    latest_group = groups.order_by("-updated_at")
    latest_order = orders.order_by("-updated_at")
    return list(
        ExchangeAccount.objects.filter(status=AccountStatus.ACTIVE)
        .filter(
            Exists(groups.filter(status__in=OPEN_GROUP_STATUSES))
            | Exists(groups.filter(updated_at__gte=since))
            | Exists(orders.filter(updated_at__gte=since))
        )
        .annotate(
            group_symbol=Subquery(latest_group.values("symbol")[:1]),
            group_at=Subquery(latest_group.values("updated_at")[:1]),
            order_symbol=Subquery(latest_order.values("symbol")[:1]),
            order_at=Subquery(latest_order.values("updated_at")[:1]),
        )
        .select_related("user")
        .order_by("pk")
    )


def _watch_quote(account: ExchangeAccount) -> str:
    """The quote of the market the account traded last: the one its tickets measure equity in
    (a ticket in another quote records that quote's starting equity when it is first decided)."""
    symbol = account.group_symbol
    if account.order_symbol and (symbol is None or account.order_at > account.group_at):
        symbol = account.order_symbol
    return quote_asset(symbol) if symbol and "_" in symbol else DEFAULT_QUOTE


def watch_daily_drawdown() -> None:
    """Record each watched account's starting equity for the UTC day and flag the day as
    breached once equity is down the trader's limit (called every minute by
    `apps.trades.tasks.watch_risk`). One account's venue failing never stops the others."""
    for account in _watched_accounts():
        try:
            quote = _watch_quote(account)
            state = venue_for(account).account_state(quote=quote)
        except VenueError as exc:
            logger.warning("risk watch: account %s skipped: %s", account.pk, exc.detail)
            continue
        except Exception as exc:
            # Not logged with its message: an unexpected error may carry request details.
            logger.warning("risk watch: account %s skipped: %s", account.pk, type(exc).__name__)
            continue
        _watch_account(account=account, equity=state.equity, quote=quote)


@transaction.atomic
def _watch_account(*, account: ExchangeAccount, equity: Decimal, quote: str) -> None:
    day = _day_row(account=account, equity=equity, quote=quote)
    if day.breached_at is not None:
        return
    limits = Limits.from_config(risk_config_for(user=account.user))
    snapshot = AccountSnapshot(equity=equity, starting_equity=day.starting_equity, open_positions=0)
    drawdown = drawdown_percent(snapshot)
    if drawdown < limits.daily_max_drawdown_percent:
        return
    now = timezone.now()
    # The filter makes the flag set once, whichever of two overlapping runs gets there first.
    if DailyEquity.objects.filter(pk=day.pk, breached_at__isnull=True).update(breached_at=now):
        publish_on_commit(
            f"balance.{account.user_id}",
            {
                "e": "drawdown_breached",
                "account_id": str(account.pk),
                "equity": equity,
                "starting_equity": day.starting_equity,
                "drawdown_percent": f"{drawdown:.2f}",
                "limit_percent": limits.daily_max_drawdown_percent,
                "breached_at": now,
            },
        )
