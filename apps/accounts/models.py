from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "ADMIN"
    OPERATOR = "OPERATOR"
    VIEWER = "VIEWER"


class Status(models.TextChoices):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class UserManager(BaseUserManager):
    """Only for `createsuperuser`; the product creates users through the accounts services."""

    def create_superuser(self, email: str, password: str, **extra: object) -> User:
        user = self.model(email=email.strip().lower(), role=Role.ADMIN, status=Status.ACTIVE, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """One identity for every way in: an email and password, a wallet, or both."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True, null=True, blank=True)
    wallet_address = models.CharField(max_length=42, unique=True, null=True, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.email or self.wallet_address or str(self.id)

    # Django's auth and admin read these; status and role are the only source of truth.
    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: list[str], obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class AuthSession(models.Model):
    """A signed-in device: one short access token at a time and a rotating refresh token."""

    class Kind(models.TextChoices):
        WEB = "WEB"
        EXTENSION = "EXTENSION"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_sessions")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WEB)
    method = models.CharField(max_length=16, help_text="password, siwe or pairing")
    user_agent = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.kind} session of {self.user}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class RefreshToken(models.Model):
    """One link of a session's rotation chain; only its hash is kept."""

    session = models.ForeignKey(AuthSession, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token of {self.session_id}"


class ApiToken(models.Model):
    """A personal API token (`hc_live_...`): shown once, stored as a hash."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="api_token")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise it by")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.user}"


class PairingCode(models.Model):
    """A 6-digit code a signed-in user reads off the Desk and types into the extension."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pairing_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Codes are short, so two unused codes must never share a value.
            models.UniqueConstraint(
                fields=["code_hash"], condition=Q(used_at__isnull=True), name="unique_unused_pairing_code"
            )
        ]

    def __str__(self) -> str:
        return f"pairing code of {self.user_id}"
