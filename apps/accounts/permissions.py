from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission
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


TRADING_ROLES = (Role.ADMIN, Role.OPERATOR)
VIEWER_MESSAGE = "Viewers may look but not trade: ask an admin for the operator role."


def may_trade(user: Any) -> bool:
    """Only ACTIVE operators and admins change exchange accounts, trades, orders or risk
    settings (a pending user already holds the role approval will grant)."""
    return bool(getattr(user, "is_active", False)) and getattr(user, "role", None) in TRADING_ROLES


class CanTrade(IsActiveAccount):
    """Reads for every active user; writes (anything but GET/HEAD/OPTIONS) for traders only."""

    message = VIEWER_MESSAGE

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or may_trade(request.user)


class HasApiToken(IsActiveAccount):
    """Seed 004's chain reads: an active account's personal API token
    (`Authorization: Bearer hc_live_...`), the credential scripts and integrations hold. A
    session's access token or cookie is refused, as the document asks for the API token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(request.auth, "api_token", None) is None:
            raise NotAuthenticated(
                "These reads take a personal API token: `Authorization: Bearer hc_live_...` "
                "(create one with POST /api/user/token)."
            )
        return True
