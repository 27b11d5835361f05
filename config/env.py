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
