"""Sign-In with Ethereum (EIP-4361) against single-use, server-issued nonces."""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlsplit

import siwe
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.models import AuthSession
from apps.accounts.services.password import refuse_inactive
from apps.accounts.services.registration import user_for_wallet
from apps.accounts.services.sessions import ClientInfo, IssuedTokens, start_session
from apps.core.errors import ApiError


def _nonce_key(nonce: str) -> str:
    return f"siwe-nonce:{nonce}"


def issue_siwe_nonce() -> str:
    """A fresh nonce, valid once and for SIWE_NONCE_TTL."""
    nonce = secrets.token_hex(16)
    cache.set(_nonce_key(nonce), 1, timeout=int(settings.SIWE_NONCE_TTL.total_seconds()))
    return nonce


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(status=401, code=code, message=message)


def _parse_time(value: str | None) -> datetime | None:
    return siwe.siwe.datetime_from_iso8601_string(value) if value else None


def _check_fields(message: siwe.SiweMessage) -> None:
    """What siwe checks only when asked, checked here every time."""
    if message.domain not in settings.SIWE_DOMAINS:
        raise _refuse("SIWE_DOMAIN_MISMATCH", "The message was written for another domain.")
    uri = urlsplit(str(message.uri))
    if uri.scheme not in ("http", "https") or uri.netloc != message.domain:
        raise _refuse("SIWE_URI_MISMATCH", "The message URI does not belong to its domain.")
    if message.chain_id not in settings.SIWE_CHAIN_IDS:
        raise _refuse("SIWE_CHAIN_MISMATCH", f"Chain ID {message.chain_id} is not accepted here.")
    now = timezone.now()
    issued_at = _parse_time(message.issued_at)
    if issued_at is None or issued_at > now + settings.SIWE_CLOCK_SKEW:
        raise _refuse("SIWE_NOT_YET_VALID", "The message's issued-at time lies in the future.")
    if issued_at < now - settings.SIWE_MAX_AGE:
        raise _refuse("SIWE_EXPIRED", "The message is too old; sign a new one.")
    expires = _parse_time(message.expiration_time)
    if expires is not None and expires <= now:
        raise _refuse("SIWE_EXPIRED", "The message has expired.")
    not_before = _parse_time(message.not_before)
    if not_before is not None and not_before > now + settings.SIWE_CLOCK_SKEW:
        raise _refuse("SIWE_NOT_YET_VALID", "The message is not valid yet.")


def sign_in_with_ethereum(*, message: str, signature: str, client: ClientInfo) -> IssuedTokens:
    """Verify a signed EIP-4361 message and open a web session for its wallet.

    A wallet seen for the first time becomes a user under the approval rule; unless that makes
    it the first (ADMIN) account, it then waits for approval like any other sign-up.
    """
    try:
        parsed = siwe.SiweMessage.from_message(message)
    except Exception:  # siwe raises ValueError, pydantic errors and parser errors alike
        raise ApiError(
            status=400, code="INVALID_SIWE_MESSAGE", message="The message is not a valid EIP-4361 message."
        ) from None
    _check_fields(parsed)
    try:
        parsed.verify(signature, domain=parsed.domain, nonce=parsed.nonce)
    except siwe.VerificationError:
        raise _refuse("INVALID_SIGNATURE", "The signature does not match the message's address.") from None
    except Exception:
        raise _refuse("INVALID_SIGNATURE", "The signature is malformed.") from None
    # Deleting is atomic in Redis: of two racing requests with the same nonce, one wins.
    if not cache.delete(_nonce_key(parsed.nonce)):
        raise _refuse("INVALID_NONCE", "The nonce is unknown, expired or already used.")
    user = user_for_wallet(address=parsed.address)
    refuse_inactive(user)
    return start_session(user=user, kind=AuthSession.Kind.WEB, method="siwe", client=client)
