from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import ApiToken, AuthSession, Role, Status, User
from apps.core.errors import ApiError


class UserAccessForm(forms.ModelForm):
    """Role and status on the user's page, under the API's rules (`check_access_change`): an
    admin cannot change their own role or status. The save goes through `set_user_access`."""

    class Meta:
        model = User
        fields = ("role", "status")
        help_texts = {
            "role": "Operator: trades. Viewer: looks only. Admin: also runs this admin. "
            "A pending user is approved with the role set here.",
            "status": "Active approves the user; Suspended ends all their sessions at once.",
        }

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            services.check_access_change(
                user=self.instance, role=cleaned.get("role"), status=cleaned.get("status"), actor=self.actor
            )
        except ApiError as error:
            raise forms.ValidationError(str(error.detail)) from None
        return cleaned


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserAccessForm
    list_display = ("__str__", "email", "wallet_address", "role_column", "status", "created_at")
    list_filter = ("status", "role")
    search_fields = ("email", "wallet_address")
    ordering = ("-created_at",)
    readonly_fields = ("id", "email", "wallet_address", "created_at", "status_changed_at", "last_login")
    fields = ("id", "email", "wallet_address", "role", "status", "created_at", "status_changed_at", "last_login")
    actions = ("approve_as_operator", "approve_as_viewer", "suspend")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are made by signing up; the admin approves them

    @admin.display(description="Role", ordering="role")
    def role_column(self, user: User) -> str:
        if user.status == Status.PENDING:
            return f"{user.get_role_display()} on approval"
        return user.get_role_display()

    def get_form(self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any) -> type:
        form = super().get_form(request, obj, change=change, **kwargs)

        class AccessFormForActor(form):  # the form checks the rules against who is editing
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, actor=request.user, **kw)

        return AccessFormForActor

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        services.set_user_access(
            user=obj, role=form.cleaned_data["role"], status=form.cleaned_data["status"], actor=request.user
        )

    def _approve(self, request: HttpRequest, queryset: QuerySet[User], role: str) -> None:
        # Only users who are not ACTIVE: approving never changes an active user's role
        # (that is done on the user's page), so selecting everyone cannot demote an admin.
        waiting = queryset.exclude(status=Status.ACTIVE)
        skipped = queryset.count() - waiting.count()
        approved = 0
        for user in waiting:
            services.approve_user(user=user, role=role, actor=request.user)
            approved += 1
        message = f"Approved {approved} user(s) as {role}."
        if skipped:
            message += f" {skipped} already active left as they were: change a role on the user's page."
        self.message_user(request, message, messages.SUCCESS if approved else messages.WARNING)

    @admin.action(description="Approve as operator (may trade)")
    def approve_as_operator(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._approve(request, queryset, Role.OPERATOR)

    @admin.action(description="Approve as viewer (read only)")
    def approve_as_viewer(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._approve(request, queryset, Role.VIEWER)

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
