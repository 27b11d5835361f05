"""Venue adapters behind one protocol: `venue_for(account)` picks ccxt or the paper exchange."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.exchanges.venues.base import Venue

if TYPE_CHECKING:
    from apps.exchanges.models import ExchangeAccount

PAPER = "paper"


def venue_for(account: ExchangeAccount) -> Venue:
    """The adapter for an account, holding its decrypted credentials for this call only."""
    if account.exchange_name == PAPER:
        from apps.exchanges.venues.paper import PaperVenue

        return PaperVenue(account)
    from apps.exchanges.crypto import unseal
    from apps.exchanges.venues.ccxt_venue import CcxtVenue

    return CcxtVenue(account.exchange_name, unseal(account.credentials))


__all__ = ["PAPER", "Venue", "venue_for"]
