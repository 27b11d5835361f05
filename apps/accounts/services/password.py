from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import AuthSession, Status, User
from apps.accounts.services.registration import normalize_email
from apps.accounts.services.sessions import ClientInfo, IssuedTokens, start_session
from apps.core.errors import ApiError
from apps.core.throttling import release_attempt, reserve_attempt

INACTIVE_REASONS = {
    Status.PENDING: ("ACCOUNT_PENDING", "Your account is pending admin approval."),
    Status.SUSPENDED: ("ACCOUNT_SUSPENDED", "Your account has been suspended."),
}


def refuse_inactive(user: User) -> None:
    """403 with the reason, for a correctly identified user who may not sign in."""
    if user.status in INACTIVE_REASONS:
        code, message = INACTIVE_REASONS[user.status]
        raise ApiError(status=403, code=code, message=message)


def _failure_keys(email: str, address: str | None) -> tuple[str, str]:
    """The per-email counter and the per-(email, client address) one. Counted whether or not the
    email has an account, so a lockout reveals nothing."""
    by_email = hashlib.sha256(email.encode()).hexdigest()
    by_address = hashlib.sha256(f"{email}\n{address or 'unknown'}".encode()).hexdigest()
    return f"login-failures:email:{by_email}", f"login-failures:address:{by_address}"


def _locked_error(wait_seconds: int) -> ApiError:
    minutes = max(1, math.ceil(wait_seconds / 60))
    return ApiError(
        status=429,
        code="TOO_MANY_ATTEMPTS",
        message=f"Too many failed sign-in attempts. Try again in {minutes} minutes.",
        headers={"Retry-After": str(wait_seconds)},
    )


def _password_matches(email: str, password: str) -> User | None:
    user = User.objects.filter(email=email).first()
    if user is None:
        User().set_password(password)  # the same hashing work as a real check
        return None
    return user if user.check_password(password) else None


def sign_in_with_password(*, email: str, password: str, client: ClientInfo) -> IssuedTokens:
    """Check an email and password and open a web session.

    1. An attempt is counted before the password is hashed, on two counters at once (one
       atomic step in Redis): LOGIN_LOCKOUT_THRESHOLD per email and client address, and
       LOGIN_LOCKOUT_EMAIL_THRESHOLD per email from anywhere. When either is full the answer is
       429 with no hashing at all, so parallel guesses cannot slip past the count.
    2. The password is checked. Unknown emails and wrong passwords get the same answer, and
       their attempt stays counted; a lock lasts LOGIN_LOCKOUT_SECONDS from the attempt that
       filled the counter.
    3. A right password takes its attempt back from the per-email count and clears its
       address's count, so the owner who remembers it is never held back by their own typos.
    """
    email = normalize_email(email)
    by_email, by_address = _failure_keys(email, client.ip_address)
    wait = reserve_attempt(
        limits=[(by_address, settings.LOGIN_LOCKOUT_THRESHOLD), (by_email, settings.LOGIN_LOCKOUT_EMAIL_THRESHOLD)],
        window_seconds=settings.LOGIN_LOCKOUT_SECONDS,
    )
    if wait is not None:
        raise _locked_error(wait)
    try:
        user = _password_matches(email, password)
    except Exception:
        # Not a wrong password (the database failed): the attempt must not count against anyone.
        release_attempt(keys=[by_address, by_email])
        raise
    if user is None:
        raise ApiError(status=401, code="INVALID_CREDENTIALS", message="Invalid email or password.")
    release_attempt(keys=[by_email], reset=[by_address])
    refuse_inactive(user)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return start_session(user=user, kind=AuthSession.Kind.WEB, method="password", client=client)
