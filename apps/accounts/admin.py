from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import ApiToken, AuthSession, Status, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "wallet_address", "role", "status", "created_at")
    list_filter = ("status", "role")
    search_fields = ("email", "wallet_address")
    ordering = ("-created_at",)
    readonly_fields = (
        "id",
        "email",
        "wallet_address",
        "role",
        "status",
        "created_at",
        "status_changed_at",
        "last_login",
    )
    fields = readonly_fields
    actions = ("approve", "suspend")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are made by signing up; the admin approves them

    @admin.action(description="Approve selected users (make ACTIVE)")
    def approve(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        changed = 0
        for user in queryset.exclude(status=Status.ACTIVE):
            services.approve_user(user=user, actor=request.user)
            changed += 1
        self.message_user(request, f"Approved {changed} user(s).", messages.SUCCESS)

    @admin.action(description="Suspend selected users (ends all their sessions)")
    def suspend(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        changed = 0
        for user in queryset.exclude(status=Status.SUSPENDED).exclude(pk=request.user.pk):
            services.suspend_user(user=user, actor=request.user)
            changed += 1
        self.message_user(request, f"Suspended {changed} user(s).", messages.SUCCESS)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuthSession)
class AuthSessionAdmin(_ReadOnly):
    # Token hashes live in RefreshToken rows, which the admin never shows.
    list_display = (
        "user",
        "kind",
        "method",
        "ip_address",
        "created_at",
        "last_refreshed_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("kind", "method", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "user__wallet_address", "ip_address")
    actions = ("revoke",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Revoke selected sessions")
    def revoke(self, request: HttpRequest, queryset: QuerySet[AuthSession]) -> None:
        for session in queryset.filter(revoked_at__isnull=True):
            services.revoke_session(session=session, reason="admin")
        self.message_user(request, "Sessions revoked.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly):
    list_display = ("user", "prefix", "created_at", "last_used_at")
    search_fields = ("user__email", "prefix")
    exclude = ("token_hash",)
