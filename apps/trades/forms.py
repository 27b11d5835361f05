"""Input shapes of the trading pages; the rules themselves live in the decision loop and the
services (a ticket's geometry and its risk are theirs to judge, not the form's)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from apps.exchanges.models import ExchangeAccount
from apps.exchanges.venues.base import Market
from apps.trades.decision import TakeProfit, Ticket, validate_ticket
from apps.trades.models import RiskConfig
from apps.trades.services.risk import RISK_CONFIG_FIELDS
from apps.trades.templatetags.trading import amount

# Rows of the take-profit ladder on the ticket; empty rows are ignored.
TAKE_PROFIT_ROWS = 4


def amount_input(*, label: str, **kwargs: Any) -> forms.DecimalField:
    """A price or quantity: as wide as the columns (38 digits, 18 decimals), never a float. Its
    errors name it in words ("Stop-loss must be a number, like 0.25.")."""
    attrs = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
    return forms.DecimalField(
        label=label,
        max_digits=38,
        decimal_places=18,
        required=False,
        widget=forms.TextInput(attrs),
        error_messages={
            "invalid": f"{label} must be a number, like 0.25.",
            "max_digits": f"{label} has too many digits (at most 38).",
            "max_decimal_places": f"{label} has more than 18 decimal places.",
            "max_whole_digits": f"{label} has too many digits before the decimal point (at most 20).",
        },
        **kwargs,
    )


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class TicketForm(forms.Form):
    """A trade: entry (limit at a price, or market), quantity, stop-loss, a take-profit ladder,
    leverage and break-even. The quantity may be left empty to Check: the verdict then says the
    largest size the rules allow.

    The symbol is picked from the account's markets (`markets`, grouped by quote asset); when
    the venue could not list them it is typed instead. Every error names its field in words, and
    `add_ticket_errors` puts the ticket's range errors (a stop on the wrong side, target
    quantities that do not add up) beside their fields, with any parse errors, at once."""

    account = forms.ChoiceField(
        label="Account", error_messages={"invalid_choice": "Pick one of your exchange accounts."}
    )
    symbol = forms.CharField(
        label="Symbol",
        max_length=32,
        widget=forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Pick the symbol to trade."},
    )
    side = forms.ChoiceField(
        label="Side",
        choices=[("buy", "Buy / long"), ("sell", "Sell / short")],
        widget=forms.RadioSelect,
        error_messages={"required": "Pick a side: buy or sell.", "invalid_choice": "Side must be buy or sell."},
    )
    entry_type = forms.ChoiceField(
        label="Entry",
        choices=[("limit", "Limit"), ("market", "Market")],
        initial="limit",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Pick the entry: limit or market.",
            "invalid_choice": "Entry must be limit or market.",
        },
    )
    entry_price = amount_input(label="Entry price")
    quantity = amount_input(
        label="Quantity", help_text="Leave empty and Check to see the largest size your risk rules allow."
    )
    stop_loss_price = amount_input(label="Stop-loss")
    leverage = forms.IntegerField(
        label="Leverage",
        min_value=1,
        max_value=1000,
        initial=1,
        widget=forms.NumberInput({"min": 1, "max": 1000}),
        error_messages={
            "required": "Enter the leverage (1 for none).",
            "invalid": "Leverage must be a whole number, like 3.",
            "min_value": "Leverage must be at least 1.",
            "max_value": "Leverage must be at most 1000.",
        },
    )
    break_even = forms.BooleanField(
        label="Move the stop to the entry once the first target fills", required=False, initial=False
    )
    # A new one with every rendered form: a double-submit of the same form opens one trade.
    idempotency_key = forms.CharField(max_length=128, required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, accounts: Iterable[ExchangeAccount], markets: Iterable[Market] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (str(a.id), f"{a.label or a.exchange_name} ({a.exchange_name})") for a in accounts
        ]
        if markets is not None:
            self.fields["symbol"] = symbol_choice(list(markets))
        for index in range(TAKE_PROFIT_ROWS):
            self.fields[f"tp_price_{index}"] = amount_input(label=f"Target {index + 1} price")
            self.fields[f"tp_quantity_{index}"] = amount_input(label=f"Target {index + 1} quantity")
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    def clean_symbol(self) -> str:
        return normal_symbol(self.cleaned_data["symbol"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("entry_type") == "limit" and data.get("entry_price") is None and "entry_price" not in self.errors:
            self.add_error("entry_price", "A limit entry needs a price.")
        if data.get("entry_type") == "market":
            data["entry_price"] = None
        for index in range(TAKE_PROFIT_ROWS):
            price, quantity = data.get(f"tp_price_{index}"), data.get(f"tp_quantity_{index}")
            if (price is None) != (quantity is None) and not self._row_has_errors(index):
                missing = f"tp_quantity_{index}" if quantity is None else f"tp_price_{index}"
                self.add_error(missing, f"Target {index + 1} needs both a price and a quantity (or neither).")
        return data

    def _row_has_errors(self, index: int) -> bool:
        return f"tp_price_{index}" in self.errors or f"tp_quantity_{index}" in self.errors

    def take_profit_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"tp_price_{i}"], self[f"tp_quantity_{i}"]) for i in range(TAKE_PROFIT_ROWS)]

    def ladder_rows(self) -> list[dict[str, Any]]:
        """The ladder as the template draws it: each row's fields and whether it has an error."""
        return [
            {"number": i + 1, "price": price, "quantity": quantity, "invalid": bool(price.errors or quantity.errors)}
            for i, (price, quantity) in enumerate(self.take_profit_rows())
        ]

    def take_profits(self) -> list[tuple[Decimal, Decimal]]:
        """(price, quantity) of each filled row, in the order given; empty rows are skipped."""
        return [(price, quantity) for _, price, quantity in self._filled_rows()]

    def _filled_rows(self) -> list[tuple[int, Decimal, Decimal]]:
        rows = []
        for index in range(TAKE_PROFIT_ROWS):
            price, quantity = self.cleaned_data.get(f"tp_price_{index}"), self.cleaned_data.get(f"tp_quantity_{index}")
            if price is not None and quantity is not None:
                rows.append((index, price, quantity))
        return rows

    # --- the ticket's own consistency, beside its fields ------------------------------------

    def add_ticket_errors(self, *, market_price: Decimal | None = None) -> None:
        """The decision loop's `validate_ticket` on whatever parsed, each error beside its field
        and named in words; fields that already have an error keep only theirs. A market entry
        is measured from `market_price` (nothing is measured from an entry that is unknown)."""
        data = self.cleaned_data
        entry = market_price if data.get("entry_type") == "market" else data.get("entry_price")
        side = data.get("side")
        if side not in ("buy", "sell"):
            side = "buy"  # the side's own error is shown; measure nothing against a made-up side
            entry = None
        rows = self._filled_rows()
        ticket = Ticket(
            symbol=data.get("symbol") or "",
            side=side,
            quantity=data.get("quantity"),
            entry_price=entry if entry is not None else Decimal(1),
            stop_loss_price=data.get("stop_loss_price"),
            take_profits=tuple(TakeProfit(price=price, quantity=quantity) for _, price, quantity in rows),
            leverage=data.get("leverage") or 1,
        )
        for problem in validate_ticket(ticket):
            where, _, message = problem.partition(": ")
            self._add_range_error(where, message, rows=rows, measured=entry is not None)

    def add_api_errors(self, details: dict[str, Any]) -> bool:
        """An API 400's per-field details (`stop_loss_price`, `take_profit[1].price`, ...) beside
        their fields; True when every one found a field."""
        placed = True
        rows = self._filled_rows() if hasattr(self, "cleaned_data") else []
        for where, problems in details.items():
            for message in problems if isinstance(problems, list) else [problems]:
                where_ = where.replace("take_profit", "take_profits").replace("exchange_account_id", "account")
                placed = self._add_range_error(where_, str(message), rows=rows, measured=True) and placed
        return placed

    def _add_range_error(
        self, where: str, message: str, *, rows: list[tuple[int, Decimal, Decimal]], measured: bool
    ) -> bool:
        message = message[0].lower() + message[1:] if message else message
        if not measured and "entry price" in message:
            return True  # measured against an entry nobody gave: the entry's own error says so
        ladder = re.fullmatch(r"take_profits\[(\d+)\]\.(price|quantity)", where)
        if ladder:
            position = int(ladder[1])
            if position >= len(rows):
                return False
            row, part = rows[position][0], ladder[2]
            return self._put(f"tp_{part}_{row}", f"Target {row + 1} {part} {message}")
        if where == "take_profits":
            if not rows:
                return False
            text = message.replace("quantities sum to", "Target quantities add up to", 1)
            return self._put(f"tp_quantity_{rows[-1][0]}", text[0].upper() + text[1:])
        if where in self.fields:
            return self._put(where, f"{self.fields[where].label} {message}")
        return False

    def _put(self, field: str, message: str) -> bool:
        if field in self.errors:
            return True  # its own (parse) error already says what is wrong with it
        self.add_error(field, message)
        return True


def normal_symbol(value: str) -> str:
    """`btc/usdt`, `BTC-USDT` -> `BTC_USDT`."""
    return value.strip().upper().replace("/", "_").replace("-", "_")


class SymbolChoiceField(forms.ChoiceField):
    def to_python(self, value: Any) -> str:
        return normal_symbol(super().to_python(value))


def symbol_choice(markets: list[Market]) -> forms.ChoiceField:
    """The symbol as a pick from the account's markets, grouped by quote asset."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for market in sorted(markets, key=lambda m: (m.quote, m.symbol)):
        groups.setdefault(market.quote, []).append((market.symbol, market.symbol))
    choices: list[Any] = [(quote, options) for quote, options in groups.items()]
    return SymbolChoiceField(
        label="Symbol",
        choices=choices,
        error_messages={
            "required": "Pick the symbol to trade.",
            "invalid_choice": "Symbol %(value)s is not one of this account's markets: pick one from the list.",
        },
    )


class MoveStopForm(forms.Form):
    stop_loss_price = amount_input(label="New stop-loss")

    def clean_stop_loss_price(self) -> Decimal:
        value = self.cleaned_data.get("stop_loss_price")
        if value is None:
            raise forms.ValidationError("Enter the new stop-loss price.")
        return value


class BreakEvenForm(forms.Form):
    enabled = forms.BooleanField(required=False)


class RiskConfigForm(forms.ModelForm):
    """The eight fields of seed 003's risk config; `update_risk_config` checks the ranges."""

    class Meta:
        model = RiskConfig
        fields = RISK_CONFIG_FIELDS
        labels = {
            "account_risk_percent": "Account risk per trade (%)",
            "max_risk_amount": "Max risk per trade (quote asset)",
            "max_position_size": "Max position size (base asset)",
            "max_leverage": "Max leverage",
            "daily_max_drawdown_percent": "Daily max drawdown (%)",
            "max_open_positions": "Max open positions",
            "require_stop_loss": "Require a stop-loss on every trade",
            "min_risk_reward_ratio": "Min risk:reward ratio",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.widget = forms.TextInput({"inputmode": "decimal", "autocomplete": "off"})
                # The columns keep 18 decimals; show the value as it was typed (`2`, not `2.000`).
                if isinstance(self.initial.get(name), Decimal):
                    self.initial[name] = amount(self.initial[name])
