"""Input shapes of the exchange-account pages; the rules themselves live in the services."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from apps.exchanges.models import AccountKind
from apps.exchanges.selectors import ExchangeListing

SECRET_ATTRS = {"autocomplete": "off", "spellcheck": "false"}


class AddExchangeAccountForm(forms.Form):
    """Paper needs nothing; an API-key exchange needs a key and secret, and a passphrase on the
    exchanges that ask for one (`add_exchange_account` says which, field by field)."""

    exchange_name = forms.ChoiceField(label="Exchange")
    label = forms.CharField(max_length=64, required=False, help_text="Optional: how this account is listed.")
    api_key = forms.CharField(label="API key", max_length=256, required=False, widget=forms.TextInput(SECRET_ATTRS))
    secret = forms.CharField(
        max_length=512, required=False, strip=False, widget=forms.PasswordInput(SECRET_ATTRS, render_value=False)
    )
    passphrase = forms.CharField(
        max_length=256, required=False, strip=False, widget=forms.PasswordInput(SECRET_ATTRS, render_value=False)
    )

    def __init__(self, *args: object, listings: Sequence[ExchangeListing], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Agent wallets are approved by signing with the master wallet, not by typing keys here.
        self.listings = [x for x in listings if x.kind in (AccountKind.PAPER, AccountKind.API_KEY)]
        self.fields["exchange_name"].choices = [(x.id, x.name) for x in self.listings]
        self.fields["exchange_name"].widget.attrs["data-exchange-select"] = ""
