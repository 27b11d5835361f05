"""Secrets at rest: exchange credentials and agent-wallet keys, sealed with MultiFernet.

`FIELD_ENCRYPTION_KEYS` lists Fernet keys newest first: new values are sealed with the first,
and any listed key opens old ones, so a key is rotated by prepending a new one, running
`manage.py rotate_encryption_keys`, then dropping the old key from the list.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be url-safe base64 Fernet keys.") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def seal(secret: dict[str, Any] | str) -> str:
    """Encrypt a secret (a string, or a dict of strings) for storage."""
    return fernet().encrypt(json.dumps(secret).encode()).decode()


def unseal(token: str) -> Any:
    """The secret `seal` stored; raises InvalidToken when no configured key opens it."""
    return json.loads(fernet().decrypt(token.encode()))


def reseal(token: str) -> str:
    """The same secret sealed with the newest key (MultiFernet.rotate)."""
    return fernet().rotate(token.encode()).decode()


__all__ = ["InvalidToken", "reseal", "seal", "unseal"]
