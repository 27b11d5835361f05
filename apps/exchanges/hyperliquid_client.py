"""The one client of Hyperliquid's HTTP API (`HYPERLIQUID_API_URL`): only this module knows its
URLs and timeouts.

`POST /exchange` takes a signed action (`{"action", "nonce", "signature", "vaultAddress",
"expiresAfter"}`) and answers `{"status": "ok", "response": ...}` or `{"status": "err",
"response": "<reason>"}`; `POST /info` answers reads such as `{"type": "extraAgents", "user": ...}`.

Signed actions are not retried: Hyperliquid accepts a nonce once, so a second attempt of an
action that did reach it would only be refused. Failures become API errors: unreachable, timed
out or a 5xx answer -> 502 HYPERLIQUID_UNAVAILABLE; a refusal -> 400 HYPERLIQUID_REJECTED; rate
limited -> 429.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.conf import settings
from hyperliquid.utils.constants import MAINNET_API_URL

from apps.exchanges.venues.base import RateLimited, VenueError, VenueUnavailable

logger = logging.getLogger(__name__)


class HyperliquidUnavailable(VenueUnavailable):
    code = "HYPERLIQUID_UNAVAILABLE"


class HyperliquidRejected(VenueError):
    status = 400
    code = "HYPERLIQUID_REJECTED"


def is_mainnet() -> bool:
    """Signatures name the chain (`Mainnet` / `Testnet`) so an action cannot be replayed on the other."""
    return settings.HYPERLIQUID_API_URL.rstrip("/") == MAINNET_API_URL


def _post(path: str, payload: dict[str, Any]) -> Any:
    url = settings.HYPERLIQUID_API_URL.rstrip("/") + path
    timeout = settings.EXCHANGE_TIMEOUT_SECONDS
    try:
        response = httpx.post(url, json=payload, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
    except httpx.HTTPError as exc:
        logger.warning("Hyperliquid %s failed: %s", path, type(exc).__name__)
        raise HyperliquidUnavailable("Hyperliquid could not be reached; try again shortly.") from None
    if response.status_code == 429:
        raise RateLimited("Hyperliquid is rate limiting requests; try again shortly.")
    if response.status_code >= 500:
        logger.warning("Hyperliquid %s answered HTTP %s", path, response.status_code)
        raise HyperliquidUnavailable(f"Hyperliquid answered HTTP {response.status_code}; try again shortly.")
    if response.status_code >= 400:
        raise HyperliquidRejected(f"Hyperliquid refused the request: {response.text[:300] or response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise HyperliquidUnavailable("Hyperliquid answered with something other than JSON.") from None


def post_action(*, action: dict[str, Any], nonce: int, signature: dict[str, Any]) -> Any:
    """Submit a signed action; returns the `response` of an `ok` answer."""
    body = _post(
        "/exchange",
        {"action": action, "nonce": nonce, "signature": signature, "vaultAddress": None, "expiresAfter": None},
    )
    if not isinstance(body, dict) or "status" not in body:
        raise HyperliquidUnavailable("Hyperliquid answered in an unexpected shape.")
    if body["status"] != "ok":
        raise HyperliquidRejected(f"Hyperliquid refused the action: {str(body.get('response'))[:300]}")
    return body.get("response")


def info(payload: dict[str, Any]) -> Any:
    """A read from `/info`, e.g. `{"type": "extraAgents", "user": "0x..."}`."""
    return _post("/info", payload)
