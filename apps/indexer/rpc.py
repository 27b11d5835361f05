"""The one client of the chain node: URL, timeouts and retries live here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import requests
from django.conf import settings
from web3 import HTTPProvider, Web3
from web3.exceptions import ProviderConnectionError, Web3RPCError
from web3.providers.rpc.utils import ExceptionRetryConfiguration

# What a node that is down, unreachable, overloaded or answering garbage raises through web3
# (requests' errors are OSErrors; a proxy's HTML page fails to decode as JSON).
NODE_ERRORS: tuple[type[Exception], ...] = (OSError, json.JSONDecodeError, ProviderConnectionError, Web3RPCError)


@dataclass(frozen=True)
class Head:
    number: int
    timestamp: int  # unix seconds


def describe_node_error(exc: BaseException) -> str:
    """A one-line reason that never includes the node's URL (hosted nodes put their key in it)."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or dropped"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, Web3RPCError):
        return f"RPC error: {str(exc)[:120]}"
    return type(exc).__name__


@cache
def chain_client() -> Web3:
    """A Web3 client for RPC_URL, retrying transient failures with back-off."""
    provider = HTTPProvider(
        settings.RPC_URL,
        request_kwargs={"timeout": settings.RPC_TIMEOUT_SECONDS},
        exception_retry_configuration=ExceptionRetryConfiguration(
            errors=(requests.ConnectionError, requests.Timeout), retries=3, backoff_factor=0.5
        ),
    )
    return Web3(provider)


def node_head() -> Head:
    """The node's latest block, asked once with the probes' short timeout and no retry: a probe
    reports the node as it is now. Raises one of NODE_ERRORS when the node does not answer."""
    provider = HTTPProvider(
        settings.RPC_URL,
        request_kwargs={"timeout": settings.PROBE_TIMEOUT_SECONDS},
        exception_retry_configuration=None,
    )
    block = Web3(provider).eth.get_block("latest")
    return Head(number=block["number"], timestamp=block["timestamp"])
