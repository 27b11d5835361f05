"""Small typed readers of the environment for config/settings.py: a value that is missing where
production needs it, or malformed, stops start-up with ImproperlyConfigured instead of running
on a silent default."""

from __future__ import annotations

import ipaddress

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()


def _debug() -> bool:
    return env.bool("DEBUG", default=False)


def required(name: str, dev_default: str) -> str:
    """The variable's value; in production (DEBUG off) a missing value stops start-up."""
    value = env.str(name, default="")
    if value:
        return value
    if not _debug():
        raise ImproperlyConfigured(f"{name} must be set in the environment when DEBUG is off")
    return dev_default


def required_list(name: str, dev_default: list[str]) -> list[str]:
    value = env.list(name, default=[])
    if value:
        return value
    if not _debug():
        raise ImproperlyConfigured(f"{name} must be set in the environment when DEBUG is off")
    return dev_default


def networks(name: str) -> list[str]:
    """A list of CIDRs (`10.0.0.0/8,::1/128`); a malformed one stops start-up."""
    value = env.list(name, default=[])
    for network in value:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {network!r} is not a network (CIDR)") from error
    return value


_HEX = set("0123456789abcdef")


def price_routes() -> tuple[dict[str, list[str]], list[str], str]:
    """PRICE_ROUTES (JSON, {token: [pool, ...]}: the Uniswap v3 pools from a token to one of
    PRICE_USD_ANCHORS, stablecoins taken as exactly 1 USD), PRICE_USD_ANCHORS, and
    PRICE_NATIVE_TOKEN (the native coin takes its wrapped form's price). All three empty: derived
    from the local Uniswap deployment (deploy_uniswap) on CHAIN_ID, if there is one.

    Checked here, so a mistyped address stops the start instead of every price read."""
    routes = env.json("PRICE_ROUTES", default={})
    anchors = env.list("PRICE_USD_ANCHORS", default=[])
    native = env.str("PRICE_NATIVE_TOKEN", default="")
    if not isinstance(routes, dict) or not all(isinstance(p, list) and p for p in routes.values()):
        raise ImproperlyConfigured("PRICE_ROUTES must be a JSON object: {token address: [pool address, ...]}")
    pools = [pool for route in routes.values() for pool in route]
    for address in [*routes, *anchors, *([native] if native else []), *pools]:
        well_formed = isinstance(address, str) and len(address) == 42 and address[:2] == "0x"
        if not (well_formed and set(address[2:].lower()) <= _HEX):
            names = "PRICE_ROUTES, PRICE_USD_ANCHORS, PRICE_NATIVE_TOKEN"
            raise ImproperlyConfigured(f"{names}: {address!r} is no address")
    return routes, anchors, native
