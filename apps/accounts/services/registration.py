from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts import auth_cache, hooks
from apps.accounts.models import Role, Status, User
from apps.accounts.services.sessions import ClientInfo, IssuedTokens, revoke_all_sessions, start_session
from apps.accounts.streams import user_stream
from apps.core.errors import ApiError
from apps.core.streams import publish_on_commit

# Any fixed number: the key of the PostgreSQL advisory lock that serialises account creation,
# so two simultaneous first sign-ups cannot both become the first ADMIN.
_USER_CREATION_LOCK = 0x4843_0001


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _lock_user_creation() -> None:
    # SQLite runs write transactions one at a time (IMMEDIATE mode), so only PostgreSQL needs it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_USER_CREATION_LOCK])


# The role a pending user is approved with unless the admin picks another (DESIGN: approval
# chooses the role). It is stored from sign-up on, so the admin sees and can change it before
# approving; seed 004's user objects show a pending user's role as PENDING all the same.
ROLE_ON_APPROVAL = Role.OPERATOR


def _approval_rule() -> dict[str, str]:
    """The first account ever made is an active ADMIN; every later one waits for approval."""
    if User.objects.exists():
        return {"role": ROLE_ON_APPROVAL, "status": Status.PENDING}
    return {"role": Role.ADMIN, "status": Status.ACTIVE}


@dataclass(frozen=True)
class RegistrationResult:
    user: User | None
    tokens: IssuedTokens | None

    @property
    def pending(self) -> bool:
        return self.tokens is None


@transaction.atomic
def register_user(*, email: str, password: str, client: ClientInfo) -> RegistrationResult:
    """Create an email account under the approval rule.

    An email that is already registered gets the same pending answer as a new one and changes
    nothing, so the endpoint cannot be used to find out who has an account.
    """
    email = normalize_email(email)
    candidate = User(email=email)
    validate_password(password, user=candidate)
    _lock_user_creation()
    if User.objects.filter(email=email).exists():
        return RegistrationResult(user=None, tokens=None)
    user = User(email=email, **_approval_rule())
    user.set_password(password)
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return RegistrationResult(user=None, tokens=None)
    if not user.is_active:
        return RegistrationResult(user=user, tokens=None)
    hooks.user_activated(user.id)
    return RegistrationResult(user=user, tokens=start_session(user=user, kind="WEB", method="password", client=client))


@transaction.atomic
def user_for_wallet(*, address: str) -> User:
    """The user who owns this checksummed wallet address, created under the approval rule."""
    existing = User.objects.filter(wallet_address=address).first()
    if existing is not None:
        return existing
    _lock_user_creation()
    existing = User.objects.filter(wallet_address=address).first()
    if existing is not None:
        return existing
    user = User(wallet_address=address, **_approval_rule())
    user.set_unusable_password()
    user.save()
    if user.is_active:
        hooks.user_activated(user.id)
    return user


def check_access_change(
    *, user: User, role: str | None = None, status: str | None = None, actor: User | None = None
) -> None:
    """Refuse a role or status that does not exist (ApiError 400), and any change an admin makes
    to their own role or status (403: well formed, but not theirs to make): an admin cannot
    demote, suspend or lock out themselves.
    The API and the Django admin both ask this before changing anything."""
    if role is not None and role not in Role.values:
        raise ApiError(status=400, message=f"role must be one of {', '.join(Role.values)}.")
    if status is not None and status not in Status.values:
        raise ApiError(status=400, message=f"status must be one of {', '.join(Status.values)}.")
    changes_own = actor is not None and actor.pk == user.pk
    if changes_own and ((role and role != user.role) or (status and status != user.status)):
        raise ApiError(status=403, code="SELF_CHANGE", message="You cannot change your own role or status.")


@transaction.atomic
def set_user_access(
    *, user: User, role: str | None = None, status: str | None = None, actor: User | None = None
) -> User:
    """Change a user's role and status.

    Leaving ACTIVE ends every session of theirs at once; becoming ACTIVE runs the activation
    hooks after commit (the exchanges app opens a paper account there).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    check_access_change(user=user, role=role, status=status, actor=actor)
    fields: list[str] = []
    if role is not None and role != user.role:
        user.role = role
        fields.append("role")
    if status is not None and status != user.status:
        user.status = status
        user.status_changed_at = timezone.now()
        fields += ["status", "status_changed_at"]
    if fields:
        auth_cache.forget_user(user.id)
        user.save(update_fields=fields)
    if "status" in fields and status == Status.ACTIVE:
        hooks.user_activated(user.id)
    if "status" in fields and status != Status.ACTIVE:
        revoke_all_sessions(user=user, reason=f"account_{status.lower()}")
        # Sockets opened with a personal API token have no session: they listen here.
        publish_on_commit(user_stream(user.id), {"e": "account_status", "status": status})
    return user


def approve_user(*, user: User, role: str | None = None, actor: User | None = None) -> User:
    """Make the user ACTIVE with `role`, or with the role they hold (OPERATOR from sign-up)."""
    return set_user_access(user=user, role=role, status=Status.ACTIVE, actor=actor)


def suspend_user(*, user: User, actor: User | None = None) -> User:
    return set_user_access(user=user, status=Status.SUSPENDED, actor=actor)
