from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.accounts.models import Role
from apps.accounts.services.password import refuse_inactive


class IsActiveAccount(BasePermission):
    """Signed in, and ACTIVE: a pending or suspended user may use nothing behind auth."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False  # DRF answers 401 for an unauthenticated request
        refuse_inactive(user)
        return True


class IsAdmin(IsActiveAccount):
    message = "Only admins may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and request.user.role == Role.ADMIN
