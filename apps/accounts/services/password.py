from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.models import AuthSession, Status, User
from apps.accounts.services.registration import normalize_email
from apps.accounts.services.sessions import ClientInfo, IssuedTokens, start_session
from apps.core.errors import ApiError

INACTIVE_REASONS = {
    Status.PENDING: ("ACCOUNT_PENDING", "Your account is pending admin approval."),
    Status.SUSPENDED: ("ACCOUNT_SUSPENDED", "Your account has been suspended."),
}


def refuse_inactive(user: User) -> None:
    """403 with the reason, for a correctly identified user who may not sign in."""
    if user.status in INACTIVE_REASONS:
        code, message = INACTIVE_REASONS[user.status]
        raise ApiError(status=403, code=code, message=message)


def _failures_key(email: str) -> str:
    # Counted per email whether or not it has an account, so a lockout reveals nothing.
    return "login-failures:" + hashlib.sha256(email.encode()).hexdigest()


def _locked_error() -> ApiError:
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    return ApiError(
        status=429,
        code="TOO_MANY_ATTEMPTS",
        message=f"Too many failed sign-in attempts. Try again in {minutes} minutes.",
        headers={"Retry-After": str(settings.LOGIN_LOCKOUT_SECONDS)},
    )


def _count_failure(key: str) -> None:
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    failures = cache.incr(key)
    if failures >= settings.LOGIN_LOCKOUT_THRESHOLD:
        cache.touch(key, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def sign_in_with_password(*, email: str, password: str, client: ClientInfo) -> IssuedTokens:
    """Check an email and password and open a web session.

    Wrong passwords are counted; after LOGIN_LOCKOUT_THRESHOLD of them the email is locked for
    LOGIN_LOCKOUT_SECONDS. Unknown emails and wrong passwords get the same answer.
    """
    email = normalize_email(email)
    key = _failures_key(email)
    if (cache.get(key) or 0) >= settings.LOGIN_LOCKOUT_THRESHOLD:
        raise _locked_error()
    user = User.objects.filter(email=email).first()
    if user is None or not user.check_password(password):
        if user is None:
            User().set_password(password)  # the same hashing work as a real check
        _count_failure(key)
        raise ApiError(status=401, code="INVALID_CREDENTIALS", message="Invalid email or password.")
    cache.delete(key)
    refuse_inactive(user)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return start_session(user=user, kind=AuthSession.Kind.WEB, method="password", client=client)
