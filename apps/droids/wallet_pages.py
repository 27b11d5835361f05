"""`/droids/wallets`: the trader's funding wallets, and adding one, either made here (a fresh key,
sealed at once; the trader funds its address) or imported from a private key. The key is never
shown again and never leaves the server; the page lists addresses, labels and their droids."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from eth_account import Account

from apps.droids import services
from apps.droids.models import DroidAccount, DroidActive
from apps.trades.views import trading_page


class WalletForm(forms.Form):
    label = forms.CharField(max_length=64, required=False, label="Label", help_text="So you can tell wallets apart.")
    private_key = forms.CharField(
        required=False,
        label="Private key (to import a wallet you hold)",
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Leave empty to have a new wallet made here. Either way the key is sealed and never shown again.",
    )


@trading_page
@require_http_methods(["GET", "POST"])
def droid_wallets_page(request: HttpRequest) -> HttpResponse:
    form = WalletForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["private_key"] or Account.create().key.hex()
        try:
            wallet = services.create_droid_account(
                user=request.user, private_key=key, label=form.cleaned_data["label"], chain_id=settings.CHAIN_ID
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            made = "made" if not form.cleaned_data["private_key"] else "imported"
            messages.success(
                request,
                f"Wallet {wallet.address} {made}. Fund it with ETH for gas and the pool's tokens, then create a droid.",
            )
            return redirect("droids:wallets")
    wallets = (
        DroidAccount.objects.filter(user=request.user)
        .annotate(open_droids=Count("droids", filter=~Q(droids__active=DroidActive.CLOSED)))
        .order_by("id")
    )
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "wallets": wallets, "chain_id": settings.CHAIN_ID}
    return render(request, "droids/wallets.html", context, status=status)
