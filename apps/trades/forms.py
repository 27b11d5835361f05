"""Input shapes of the trading pages; the rules themselves live in the decision loop and the
services (a ticket's geometry and its risk are theirs to judge, not the form's)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from apps.exchanges.models import ExchangeAccount
from apps.trades.models import RiskConfig
from apps.trades.services.risk import RISK_CONFIG_FIELDS
from apps.trades.templatetags.trading import amount

# Rows of the take-profit ladder on the ticket; empty rows are ignored.
TAKE_PROFIT_ROWS = 4


def amount_input(**kwargs: Any) -> forms.DecimalField:
    """A price or quantity: as wide as the columns (38 digits, 18 decimals), never a float."""
    attrs = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
    return forms.DecimalField(
        max_digits=38,
        decimal_places=18,
        required=False,
        widget=forms.TextInput(attrs),
        **kwargs,
    )


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class TicketForm(forms.Form):
    """A trade: entry (limit at a price, or market), quantity, stop-loss, a take-profit ladder,
    leverage and break-even. The quantity may be left empty to Check: the verdict then says the
    largest size the rules allow."""

    account = forms.ChoiceField(label="Account")
    symbol = forms.CharField(max_length=32, widget=forms.TextInput({"list": "symbols", "autocomplete": "off"}))
    side = forms.ChoiceField(choices=[("buy", "Buy / long"), ("sell", "Sell / short")], widget=forms.RadioSelect)
    entry_type = forms.ChoiceField(
        label="Entry", choices=[("limit", "Limit"), ("market", "Market")], initial="limit", widget=forms.RadioSelect
    )
    entry_price = amount_input(label="Entry price")
    quantity = amount_input(help_text="Leave empty and Check to see the largest size your risk rules allow.")
    stop_loss_price = amount_input(label="Stop-loss")
    leverage = forms.IntegerField(min_value=1, max_value=1000, initial=1, widget=forms.NumberInput({"min": 1}))
    break_even = forms.BooleanField(
        label="Move the stop to the entry once the first target fills", required=False, initial=False
    )
    # A new one with every rendered form: a double-submit of the same form opens one trade.
    idempotency_key = forms.CharField(max_length=128, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, accounts: Iterable[ExchangeAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (str(a.id), f"{a.label or a.exchange_name} ({a.exchange_name})") for a in accounts
        ]
        for index in range(TAKE_PROFIT_ROWS):
            self.fields[f"tp_price_{index}"] = amount_input(label=f"Target {index + 1} price")
            self.fields[f"tp_quantity_{index}"] = amount_input(label=f"Target {index + 1} quantity")
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    def clean_symbol(self) -> str:
        return self.cleaned_data["symbol"].strip().upper().replace("/", "_").replace("-", "_")

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

    def take_profits(self) -> list[tuple[Decimal, Decimal]]:
        """(price, quantity) of each filled row, in the order given; empty rows are skipped."""
        rows = []
        for index in range(TAKE_PROFIT_ROWS):
            price, quantity = self.cleaned_data.get(f"tp_price_{index}"), self.cleaned_data.get(f"tp_quantity_{index}")
            if price is not None and quantity is not None:
                rows.append((price, quantity))
        return rows


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
