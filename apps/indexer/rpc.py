"""The one client of the chain node: URL, timeouts and retries live here."""

from __future__ import annotations

from functools import cache

import requests
from django.conf import settings
from web3 import HTTPProvider, Web3
from web3.providers.rpc.utils import ExceptionRetryConfiguration


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
