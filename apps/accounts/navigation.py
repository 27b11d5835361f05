"""Where browsers are sent: same-site redirect targets, and the guard for signed-in pages.

Other apps' pages use `active_account_required` too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.cookies import REFRESH_COOKIE
from apps.accounts.permissions import VIEWER_MESSAGE, may_trade

# Where sign-in lands without a `next`: the trading desk.
DEFAULT_NEXT = "/trade"
ACCOUNT_PAGE = "/account"


def is_site_path(candidate: str | None) -> bool:
    """True for a path on this site (`/markets?tab=1`); false for any other origin, including
    scheme-relative (`//evil`) and backslash tricks (`/\\evil`)."""
    return bool(
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None, require_https=False)
    )


def safe_next(candidate: str | None) -> str:
    """`candidate` if it is a path on this site, else the desk: never an open redirect."""
    return candidate if is_site_path(candidate) else DEFAULT_NEXT


def through_refresh(callback: str) -> HttpResponseRedirect:
    return redirect(f"/api/auth/refresh?{urlencode({'callbackUrl': callback})}")


def to_sign_in(next_path: str) -> HttpResponseRedirect:
    return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': next_path})}")


def active_account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages for signed-in, approved users.

    The access cookie lives 15 minutes; a browser that still holds a refresh cookie is sent
    through the refresh redirect and comes straight back, instead of being asked to sign in.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            # A form post cannot be replayed after a redirect, so it comes back to the account page.
            back = request.get_full_path() if request.method == "GET" else ACCOUNT_PAGE
            if request.COOKIES.get(REFRESH_COOKIE):
                return through_refresh(back)
            return to_sign_in(back)
        if not user.is_active:
            return redirect("accounts:pending")
        return view(request, *args, **kwargs)

    return wrapper


def trader_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Trading pages: any approved user may look; only operators and admins may post forms.

    A viewer's post is refused with the site's 403 page (templates/403.html), which says why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS") and not may_trade(request.user):
            raise PermissionDenied(VIEWER_MESSAGE)
        return view(request, *args, **kwargs)

    return active_account_required(wrapper)
