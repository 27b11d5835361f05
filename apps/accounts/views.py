"""Pages for people: sign-in, registration, approval wait, sign-out and the account page.

Thin like the API views: parse the form, call a service, render or redirect. The browser holds
the same cookies as the API clients (`auth_token` + `refresh_token`), so one session mechanism
serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import services, shown_once
from apps.accounts.cookies import REFRESH_COOKIE, clear_session_cookies, client_info, set_session_cookies
from apps.accounts.forms import RegisterForm, SignInForm
from apps.accounts.middleware import principal_from_cookies
from apps.accounts.navigation import active_account_required, safe_next, through_refresh
from apps.accounts.selectors import live_sessions_of
from apps.accounts.services.pairing import IssuedPairingCode
from apps.core.errors import ApiError

ACCESS_COOKIE = "auth_token"


def home(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:account")


@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                tokens = services.sign_in_with_password(**form.cleaned_data, client=client_info(request))
            except ApiError as error:
                if error.error_code == "ACCOUNT_PENDING":
                    return redirect("accounts:pending")
                form.add_error(None, str(error.detail))
                status = error.status_code
            else:
                response = redirect(next_url)
                set_session_cookies(response, tokens, access_cookie=ACCESS_COOKIE, request=request)
                return response
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@require_http_methods(["GET", "POST"])
def register_page(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.register_user(**form.cleaned_data, client=client_info(request))
        except ValidationError as error:
            form.add_error("password", error.messages)
        except ApiError as error:
            form.add_error(None, str(error.detail))
        else:
            if result.pending:
                return redirect("accounts:pending")
            response = redirect("accounts:account")
            set_session_cookies(response, result.tokens, access_cookie=ACCESS_COOKIE, request=request)
            return response
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


def pending_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/pending.html")


@require_http_methods(["GET", "POST"])
def logout_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "accounts/logout.html")
    principal = principal_from_cookies(request)
    if principal is None and request.COOKIES.get(REFRESH_COOKIE):
        # Only the refresh cookie is left: refresh first, so the session behind it can be ended.
        return through_refresh("/logout")
    if principal is not None and principal.session is not None:
        services.revoke_session(session=principal.session, reason="logout")
    return _signed_out(request, "You have signed out.")


def account_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST from the account page: signed in, active, never cached."""
    return never_cache(require_POST(active_account_required(view)))


def _signed_out(request: HttpRequest, message: str) -> HttpResponse:
    response = redirect("accounts:login")
    clear_session_cookies(response)
    messages.info(request, message)
    return response


def _render_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    principal = principal_from_cookies(request)
    context = {
        "sessions": live_sessions_of(user).order_by("-created_at"),
        "current_session_id": principal.session.id if principal and principal.session else None,
        "api_token": _current_token(user),
        "new_api_token": None,
        "pairing": None,
    }
    secret = shown_once.take(request, user_id=user.id)
    if secret is not None:
        kind, value = secret
        if kind == "api_token":
            context["new_api_token"] = value["token"]
        elif kind == "pairing":
            context["pairing"] = IssuedPairingCode(
                code=value["code"], expires_at=datetime.fromisoformat(value["expires_at"])
            )
    response = render(request, "accounts/account.html", context)
    if shown_once.COOKIE in request.COOKIES:
        shown_once.forget(response)
    return response


def _show_once(request: HttpRequest, *, kind: str, value: dict[str, str], anchor: str) -> HttpResponse:
    """Post/redirect/get: a reload of the page that follows cannot make another secret."""
    response = redirect(f"{reverse('accounts:account')}#{anchor}")
    shown_once.stash(response, user_id=request.user.id, kind=kind, value=value)
    return response


@never_cache
@require_http_methods(["GET"])
@active_account_required
def account_page(request: HttpRequest) -> HttpResponse:
    return _render_account(request)


@account_action
def revoke_session_page(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = get_object_or_404(live_sessions_of(request.user), pk=session_id)
    services.revoke_session(session=session, reason="revoked_from_account")
    principal = principal_from_cookies(request)
    if principal is not None and principal.session is not None and principal.session.id == session.id:
        return _signed_out(request, "This device's session was revoked; you have signed out.")
    messages.success(request, "Session revoked.")
    return redirect("accounts:account")


def confirmable_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An account action that a GET asks about first (what will happen, in words) and a POST does."""
    return never_cache(require_http_methods(["GET", "POST"])(active_account_required(view)))


def _confirm(request: HttpRequest, *, name: str, title: str, consequences: list[str], button: str) -> HttpResponse:
    context = {
        "name": name,
        "title": title,
        "consequences": consequences,
        "button": button,
        "action": request.path,
        "danger": True,
    }
    return render(request, "accounts/confirm.html", context)


def _current_token(user: object) -> object | None:
    try:
        return user.api_token
    except ObjectDoesNotExist:
        return None


@confirmable_action
def revoke_all_sessions_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        count = live_sessions_of(request.user).count()
        return _confirm(
            request,
            name="revoke-all-sessions",
            title="Sign out everywhere?",
            consequences=[
                f"All {count} signed-in sessions end at once: every browser and paired extension, this one included."
                if count > 1
                else "Your only signed-in session, this browser, ends at once.",
                "Open pages and live streams stop; you sign in again here.",
                "Your personal API token keeps working: revoke it separately if it may have leaked.",
            ],
            button="Sign out everywhere",
        )
    count = services.revoke_all_sessions(user=request.user, reason="revoke_all")
    return _signed_out(request, f"Signed out everywhere ({count} session{'s' if count != 1 else ''} ended).")


def _ask_about_the_token(request: HttpRequest, *, name: str, title: str, then: str, button: str) -> HttpResponse:
    """The question before the current token is replaced or revoked (nothing to ask without one)."""
    current = _current_token(request.user)
    if current is None:
        return redirect("accounts:account")
    consequences = [f"Your token {current.prefix}… stops working at once: scripts using it get 401.", then]
    return _confirm(request, name=name, title=title, consequences=consequences, button=button)


@confirmable_action
def create_api_token_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _ask_about_the_token(
            request,
            name="replace-api-token",
            title="Replace your API token?",
            then="A new token is shown once, on the next page. Copy it before you leave.",
            button="Replace token",
        )
    token = services.create_api_token(user=request.user)
    return _show_once(request, kind="api_token", value={"token": token}, anchor="api-token-section")


@confirmable_action
def revoke_api_token_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _ask_about_the_token(
            request,
            name="revoke-api-token",
            title="Revoke your API token?",
            then="You can create a new one afterwards.",
            button="Revoke token",
        )
    if services.revoke_api_token(user=request.user):
        messages.success(request, "API token revoked.")
    return redirect("accounts:account")


@account_action
def create_pairing_code_page(request: HttpRequest) -> HttpResponse:
    issued = services.create_pairing_code(user=request.user)
    value = {"code": issued.code, "expires_at": issued.expires_at.isoformat()}
    return _show_once(request, kind="pairing", value=value, anchor="pairing-section")
