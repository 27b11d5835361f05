from __future__ import annotations

from django.db import transaction

from apps.accounts import auth_cache
from apps.accounts.models import Status, User
from apps.accounts.services.registration import normalize_email


@transaction.atomic
def ensure_demo_user(*, email: str, password: str, role: str) -> User:
    """An ACTIVE demo account with this password, made or reset (development only)."""
    user, _created = User.objects.get_or_create(email=normalize_email(email))
    if (user.role, user.status) != (role, Status.ACTIVE):
        auth_cache.forget_user(user.id)
    user.role = role
    user.status = Status.ACTIVE
    user.set_password(password)
    user.save()
    return user
