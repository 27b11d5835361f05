"""The droid pages' forms: a new droid, its configuration, and a state change.

The fields are the seed's configuration under the model's names, so `cleaned_data` is the
`config` the services take. Percentages are typed as percent (3 means 3%) and stored as the
fractions the engine reads (0.03): the labels say "%", the services never see a percent.
Ranges are the API's (apps/droids/serializers.py); the rules between fields (min below max, the
funding within the wallet) are the services', whose refusals the views put on these fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.droids.models import DroidAccount, DroidActive, DroidPool, FundingCurve, TriggerType
from apps.droids.page_rows import latest_pool_price, plain, significant
from apps.droids.pricing import price_unit
from apps.droids.serializers import AMOUNT_LIMIT, MAX_BOTS, MAX_TICK_BUCKETS, MAX_TX_PRIORITY, config_fields

HUNDRED = Decimal(100)
# Amounts that must be above zero (the API's exclusive minimum).
POSITIVE = ("funding_usd", "min_price", "max_price", "max_gas_price", "gas_budget_limit")
# Percent fields: (lowest, highest, whether 0 is allowed, whether the highest is allowed).
PERCENT_RANGES = {
    "falling_rebalance_trigger": (Decimal(0), HUNDRED, False, False),
    "rising_rebalance_trigger": (Decimal(0), HUNDRED, False, False),
    "derivative_threshold": (Decimal(0), HUNDRED, True, False),
    "ladder_perc_margin": (Decimal(0), Decimal(50), True, True),
}
# The seed's names, as the services name a refused field, to the form's.
SEED_NAMES = {
    "poolId": "pool",
    "accountId": "account",
    **{key: field.source for key, field in config_fields(partial=True).items()},
}
# What a new droid starts with: the seed's example, with the funding left to the trader.
NEW_DROID_INITIAL = {
    "trigger_type": TriggerType.PRICE,
    "tick_buckets": 10,
    "bucket_offset": 0,
    "funding_curve_type": FundingCurve.LINEAR,
    "max_bots": 5,
    "max_gas_price": 50,
    "tx_priority": 1,
    "falling_rebalance_trigger": 3,
    "rising_rebalance_trigger": 5,
    "derivative_threshold": 1,
    "ladder_perc_margin": 2,
}


def _amount(label: str, help_text: str = "", *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=required,
        max_digits=38,
        decimal_places=18,
        max_value=AMOUNT_LIMIT,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _percent(label: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=20,
        decimal_places=16,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class DroidConfigForm(forms.Form):
    funding_usd = _amount("Funding (USD)", "What the droid may deploy; at most the wallet's free value.")
    min_price = _amount("Lowest price")
    max_price = _amount("Highest price")
    tick_buckets = forms.IntegerField(
        label="Ladder buckets",
        min_value=1,
        max_value=MAX_TICK_BUCKETS,
        help_text=f"How many equal slices the price range is cut into (1 to {MAX_TICK_BUCKETS}).",
    )
    max_bots = forms.IntegerField(
        label="Positions at once",
        min_value=1,
        max_value=MAX_BOTS,
        help_text="One position per bucket, the nearest to the price first; at most the buckets.",
    )
    bucket_offset = forms.IntegerField(
        label="Bucket offset (buckets)",
        min_value=-MAX_TICK_BUCKETS,
        max_value=MAX_TICK_BUCKETS,
        help_text="Shifts the ladder up (positive) or down (negative) by whole buckets.",
    )
    funding_curve_type = forms.ChoiceField(
        label="Funding curve",
        choices=[(FundingCurve.FLAT, "Flat"), (FundingCurve.LINEAR, "Linear"), (FundingCurve.GAUSSIAN, "Gaussian")],
        help_text="Flat: the same to every bucket. Linear: more to buckets near the price. Gaussian: most around it.",
    )
    trigger_type = forms.ChoiceField(
        label="Rebalance on",
        choices=[(TriggerType.PRICE, "The pool price"), (TriggerType.EMA, "The price's moving average (EMA)")],
    )
    falling_rebalance_trigger = _percent(
        "Falling trigger (%)", "Rebalance when the price is this far below the ladder."
    )
    rising_rebalance_trigger = _percent("Rising trigger (%)", "Rebalance when the price is this far above the ladder.")
    derivative_threshold = _percent(
        "Derivative threshold (%)", "Rebalance only once the price has moved this far since the last mint or rebalance."
    )
    ladder_perc_margin = _percent(
        "Ladder margin (%)", "Room kept around the ladder before it counts as left (0 to 50)."
    )
    max_gas_price = _amount("Max gas price (gwei)", "The droid waits while gas costs more than this.")
    gas_budget_limit = _amount(
        "Gas budget (ETH)", "All the gas fees the droid may spend; empty for no limit.", required=False
    )
    tx_priority = forms.IntegerField(
        label="Transaction priority",
        min_value=0,
        max_value=MAX_TX_PRIORITY,
        help_text=f"0 (cheapest) to {MAX_TX_PRIORITY} (fastest): the tip offered to get mined.",
    )

    GROUPS = (
        ("Funding and ladder", ("funding_usd", "min_price", "max_price", "tick_buckets", "max_bots", "bucket_offset")),
        ("How funds are spread", ("funding_curve_type",)),
        (
            "When to rebalance",
            (
                "trigger_type",
                "falling_rebalance_trigger",
                "rising_rebalance_trigger",
                "derivative_threshold",
                "ladder_perc_margin",
            ),
        ),
        ("Gas", ("max_gas_price", "gas_budget_limit", "tx_priority")),
    )

    def __init__(self, *args: Any, pool: DroidPool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = price_unit(pool) if pool else "the pool's stablecoin per its other token"
        for name in ("min_price", "max_price"):
            self.fields[name].label += f" ({unit})"
        for name in POSITIVE:
            self.fields[name].widget.attrs["min"] = "0"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in POSITIVE:
            value = cleaned.get(name)
            if value is not None and value <= 0:
                self.add_error(name, "Must be greater than 0.")
        for name, (low, high, low_ok, high_ok) in PERCENT_RANGES.items():
            value = cleaned.get(name)
            if value is None:
                continue
            if value < low or (value == low and not low_ok) or value > high or (value == high and not high_ok):
                self.add_error(
                    name, f"Must be {'from' if low_ok else 'above'} {low} {'to' if high_ok else 'and below'} {high} %."
                )
            else:
                cleaned[name] = value / HUNDRED
        return cleaned

    @property
    def groups(self) -> list[dict[str, Any]]:
        """The fields in the page's fieldsets; a form's own fields the groups do not name go first."""
        named = {name for _, names in self.GROUPS for name in names}
        extra = [self[name] for name in self.fields if name not in named]
        groups = [{"title": title, "fields": [self[name] for name in names]} for title, names in self.GROUPS]
        return ([{"title": "Where", "fields": extra}] if extra else []) + groups

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The configuration as read-only lines (label, value as shown), choices by their names."""
        lines = []
        for group in self.groups:
            for field in group["fields"]:
                value = field.value()
                choices = dict(getattr(field.field, "choices", ()))
                lines.append((field.label, str(choices.get(value, value)) if value not in (None, "") else "—"))
        return lines

    @classmethod
    def initial_for(cls, droid: Any) -> dict[str, Any]:
        """The droid's configuration as the form shows it: fractions as percent, no trailing zeros."""
        initial = {name: getattr(droid, name) for name in cls.base_fields}
        for name in PERCENT_RANGES:
            initial[name] = initial[name] * HUNDRED
        return {name: plain(value) if isinstance(value, Decimal) else value for name, value in initial.items()}

    def refuse(self, error: ValidationError) -> None:
        """Put a service's refusal on the fields it names (by the seed's names), or above the form."""
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for key, messages in errors.items():
            name = SEED_NAMES.get(key, key) if key else None
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class PoolChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: DroidPool) -> str:
        return f"{obj.token0_symbol}/{obj.token1_symbol} {obj.fee_tier / 10_000:g}% fee (chain {obj.chain_id})"


class WalletChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: DroidAccount) -> str:
        return f"{obj.label or 'wallet'} {obj.address[:6]}…{obj.address[-4:]}"


class NewDroidForm(DroidConfigForm):
    pool = PoolChoice(queryset=DroidPool.objects.none(), label="Pool", empty_label=None)
    account = WalletChoice(queryset=DroidAccount.objects.none(), label="Funding wallet", empty_label=None)

    field_order = ["pool", "account"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        pools = list(DroidPool.objects.order_by("id"))
        # One pool: its prices' unit is the label's; several: the help says each pool's.
        super().__init__(*args, pool=pools[0] if len(pools) == 1 else None, **kwargs)
        self.fields["pool"].queryset = DroidPool.objects.order_by("id")
        self.fields["account"].queryset = DroidAccount.objects.filter(user=user).order_by("id")
        self.fields["min_price"].help_text = " ".join(_price_hint(pool, len(pools) > 1) for pool in pools)


def _price_hint(pool: DroidPool, name_it: bool) -> str:
    """What a trader needs to pick the range: the pool's unit and the last price a droid saw there."""
    unit = price_unit(pool)
    hint = f"{pool.token0_symbol}/{pool.token1_symbol} prices in {unit}." if name_it else ""
    price = latest_pool_price(pool)
    if price is not None:
        hint += f" Last seen: {significant(price)} {unit}."
    return hint.strip()


class StateForm(forms.Form):
    active = forms.TypedChoiceField(choices=DroidActive.choices, coerce=int)
