"""ccxt's exceptions as the platform's venue errors, with messages safe to show and to log."""

from __future__ import annotations

import json
import logging
import re

import ccxt

from apps.exchanges.venues.base import (
    AuthenticationFailed,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
    UnknownSymbol,
    VenueError,
    VenueUnavailable,
)

logger = logging.getLogger(__name__)

# Most specific first: ccxt's classes nest (OrderNotFound is an InvalidOrder, and so on).
ERRORS: list[tuple[tuple[type[Exception], ...], type[VenueError], str]] = [
    ((ccxt.InsufficientFunds,), InsufficientFunds, "reports insufficient funds for this order"),
    ((ccxt.OrderNotFound,), OrderNotFound, "does not know this order"),
    ((ccxt.BadSymbol,), UnknownSymbol, "does not list this market"),
    ((ccxt.AuthenticationError,), AuthenticationFailed, "refused the API credentials"),
    ((ccxt.RateLimitExceeded, ccxt.DDoSProtection), RateLimited, "is rate limiting requests; try again shortly"),
    (
        (ccxt.InvalidOrder, ccxt.BadRequest, ccxt.ArgumentsRequired, ccxt.NotSupported, ccxt.OperationRejected),
        InvalidOrder,
        "rejected the request",
    ),
    ((ccxt.RequestTimeout,), VenueUnavailable, "did not answer in time; try again later"),
    ((ccxt.NetworkError,), VenueUnavailable, "could not be reached or is unavailable; try again later"),
    ((ccxt.BaseError,), VenueUnavailable, "answered with an error"),
]
_QUERY = re.compile(r"\?[^\s\"'()<>]*=[^\s\"'()<>]*")
_SIGNATURE = re.compile(r"(signature|sign|apikey|api_key|secret)=[^\s&\"']+", re.IGNORECASE)
_JSON = re.compile(r"[{\[].*[}\]]", re.DOTALL)


def exchange_explanation(text: str) -> str:
    """The exchange's own message out of a ccxt error text, if it carries a JSON body."""
    match = _JSON.search(text)
    if not match:
        return text
    try:
        body = json.loads(match.group(0))
    except ValueError:
        return text
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        for key in ("msg", "message", "retMsg", "error", "err_msg"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return text


def scrub(text: str, *, exchange_id: str, secrets: list[str]) -> str:
    """A ccxt error text fit to show: the exchange's own message, no query strings (they carry
    signatures), no credentials, one line, at most 200 characters."""
    text = text.removeprefix(exchange_id).strip()
    text = exchange_explanation(_QUERY.sub("", text))
    text = _SIGNATURE.sub(r"\1=***", text)
    for secret in secrets:
        text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text[:200] + ("…" if len(text) > 200 else "")


def translate(exc: Exception, *, name: str, exchange_id: str, secrets: list[str], action: str) -> VenueError:
    """The venue error for a ccxt exception raised while trying to do `action`."""
    classes, error_class, phrase = next(entry for entry in ERRORS if isinstance(exc, entry[0]))
    detail = scrub(str(exc), exchange_id=exchange_id, secrets=secrets)
    logger.info("%s failed to %s: %s: %s", exchange_id, action, type(exc).__name__, detail)
    message = f"{name} {phrase}"
    # Network failures carry only connection noise; everything else has the exchange's reason.
    if error_class is not VenueUnavailable or classes == (ccxt.BaseError,):
        message += f" (while trying to {action}): {detail}"
    return error_class(message)
