"""The ccxt catalogue: which exchanges the platform can connect and what each one needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ccxt

from apps.exchanges.venues.base import AuthenticationFailed, VenueError

FEATURED = ("binance", "okx", "bybit")
# ccxt credential attribute -> the platform's field name.
CREDENTIAL_FIELDS = {
    "apiKey": "api_key",
    "secret": "secret",
    "password": "passphrase",
    "uid": "uid",
    "walletAddress": "wallet_address",
    "privateKey": "private_key",
}


class UnsupportedExchange(VenueError):
    status = 400
    code = "UNSUPPORTED_EXCHANGE"


class MissingCredentials(AuthenticationFailed):
    """The account lacks a credential the exchange requires (okx's passphrase, say)."""

    code = "MISSING_CREDENTIALS"


@dataclass(frozen=True)
class ExchangeInfo:
    """What the account form needs to know about an exchange."""

    id: str
    name: str
    requires_passphrase: bool
    has_spot: bool
    has_derivatives: bool
    credentials: tuple[str, ...]  # the platform field names the exchange requires


@cache
def describe_exchange(exchange_id: str) -> ExchangeInfo:
    if exchange_id not in ccxt.exchanges:
        raise UnsupportedExchange(f"'{exchange_id}' is not a supported exchange.")
    exchange = getattr(ccxt, exchange_id)()
    required = [key for key, needed in exchange.requiredCredentials.items() if needed]
    has = exchange.has
    return ExchangeInfo(
        id=exchange_id,
        name=exchange.name,
        requires_passphrase=bool(exchange.requiredCredentials.get("password")),
        has_spot=bool(has.get("spot")),
        has_derivatives=bool(has.get("swap") or has.get("future")),
        credentials=tuple(CREDENTIAL_FIELDS.get(key, key) for key in required),
    )


@cache
def _catalogue() -> tuple[ExchangeInfo, ...]:
    ids = [*FEATURED, *sorted(set(ccxt.exchanges) - set(FEATURED))]
    return tuple(describe_exchange(exchange_id) for exchange_id in ids)


def supported_exchanges() -> list[ExchangeInfo]:
    """Every ccxt exchange, the seed's three first."""
    return list(_catalogue())
