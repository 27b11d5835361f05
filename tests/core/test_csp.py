"""Every page carries the strict Content-Security-Policy, and none needs an exception to it:
no inline <script>, no <style> element, no style attribute, no on* handler.

The pages are enumerated from the URL conf (and the admin's registry), so a page added later is
checked too; a new URL parameter needs a sample value below, or this test says so.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.accounts.models import Role, User
from apps.core.errors import family_for_path
from tests.accounts.factories import UserFactory, sign_in
from tests.droids.factories import DroidFactory
from tests.exchanges.factories import FundedPaperAccountFactory
from tests.indexer.factories import TokenFactory, TokenTransferFactory
from tests.jobs.api.factories import JobFactory
from tests.journal.factories import JournalEntryFactory, JournalImageFactory, JournalTagFactory, JournalTradeFactory
from tests.trades.factories import OrderFactory, TradeGroupFactory

pytestmark = pytest.mark.django_db

# Pages that sit under /api but are HTML for people, and the site's own error page.
EXTRA_PAGES = ["/api/docs/", "/api/redoc/", "/no-such-page"]
EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block in a page's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        script_type = (attributes.get("type") or "").lower()
        if tag == "script" and "src" not in attributes and script_type in EXECUTABLE_SCRIPT_TYPES:
            self.found.append(f"inline <script> {self.getpos()}")
        if tag == "style":
            self.found.append(f"<style> element {self.getpos()}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}> {self.getpos()}")
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}> {self.getpos()}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}> {self.getpos()}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def site_routes() -> list[str]:
    """Every route of the URL conf outside the API families and the admin, as written."""
    routes: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith("admin/"):
                    walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and family_for_path("/" + route) is None:
                routes.append(route)

    walk(get_resolver().url_patterns, "")
    return routes


def admin_pages(objects: dict[type, Any]) -> list[str]:
    pages = [reverse("admin:index")]
    for app_label in {model._meta.app_label for model in admin.site._registry}:
        pages.append(reverse("admin:app_list", args=[app_label]))
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        instance = objects.get(model) or model._default_manager.first()
        if instance is not None:
            pages += [reverse(f"{name}_{view}", args=[instance.pk]) for view in ("change", "history", "delete")]
    return pages


@pytest.fixture
def admin_browser() -> tuple[Client, User, dict[str, str]]:
    """A signed-in admin who trades, with a job, an account, a trade group and an order, a
    journal trade, tag, image and entry, and a droid to look at."""
    boss = UserFactory(email="boss@example.com", role=Role.ADMIN)
    tokens = sign_in(boss)
    account = FundedPaperAccountFactory(user=boss)
    group = TradeGroupFactory(user=boss, exchange_account=account)
    OrderFactory(user=boss, exchange_account=account, group=group)
    job = JobFactory(job_id=7)
    trade = JournalTradeFactory(user=boss, exchange_account=account)
    tag = JournalTagFactory(user=boss)
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="a schedule", task="apps.jobs.tasks.index_chain", interval=every_minute)
    transfer = TokenTransferFactory(token_address=TokenFactory().address)
    client = Client()
    client.cookies["auth_token"] = tokens.access_token
    samples = {
        "tx_hash": transfer.transaction.hash,
        "number": str(transfer.block_id),
        "address": transfer.to_address,
        "job_id": str(job.job_id),
        "account_id": str(account.id),
        "group_id": str(group.id),
        "session_id": str(tokens.session.id),
        "trade_id": str(trade.id),
        "tag_id": str(tag.id),
        "image_id": str(JournalImageFactory(user=boss, trade=trade).id),
        "entry_id": str(JournalEntryFactory(user=boss).id),
        "droid_id": str(DroidFactory(owner=boss).id),
    }
    return client, boss, samples


def fill(route: str, samples: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in samples, f"no sample value for <{name}> in {route!r}: add one to the fixture"
        return samples[name]

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


# The one documented relaxation (config/urls.py): Redoc inserts its styles at run time.
RELAXED_STYLES = {"/api/redoc/": ["'self'", "'unsafe-inline'"]}


def assert_strict_policy(response: Any, path: str) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{path} has no Content-Security-Policy"
    policy = {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}
    assert policy["default-src"] == ["'self'"], path
    assert policy["script-src"] == ["'self'"], path
    assert policy["style-src"] == RELAXED_STYLES.get(path, ["'self'"]), path
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"], path
    return policy


def test_every_page_has_the_strict_policy_and_no_inline_code(admin_browser):
    signed_in, boss, samples = admin_browser
    paths = [fill(route, samples) for route in site_routes()] + EXTRA_PAGES
    paths += admin_pages({User: boss})
    checked: list[str] = []
    offending: list[str] = []
    for path in paths:
        for client in (Client(), signed_in):
            response = client.get(path)
            if not response.get("Content-Type", "").startswith("text/html") or response.status_code in (301, 302):
                continue
            assert_strict_policy(response, path)
            found = inline_code(response.content.decode())
            if found:
                offending.append(f"{path} ({response.status_code}): {found}")
            checked.append(path)
    assert not offending, "\n".join(offending)
    # The pages people use most are among those checked, signed in and not.
    for page in ("/login", "/register", "/account", "/trade", "/trades", "/risk", "/exchanges", "/jobs", "/admin/"):
        assert page in checked, page
    assert len(set(checked)) > 60


def test_the_websocket_origin_the_pages_use_is_allowed_to_connect(admin_browser, settings):
    signed_in, _boss, _samples = admin_browser
    settings.ALLOWED_HOSTS = ["desk.havencap.test"]
    settings.WS_PORT = 4100
    policy = assert_strict_policy(signed_in.get("/trade", HTTP_HOST="desk.havencap.test:8080"), "/trade")
    # trading.js connects to ws://<the page's hostname>:<WS_PORT>/ws; 'self' covers no other port.
    assert policy["connect-src"] == ["'self'", "ws://desk.havencap.test:4100"]

    settings.WS_PUBLIC_URL = "wss://stream.havencap.test/ws"
    policy = assert_strict_policy(signed_in.get("/trade", HTTP_HOST="desk.havencap.test:8080"), "/trade")
    assert policy["connect-src"] == ["'self'", "wss://stream.havencap.test"]


def test_the_pages_scripts_can_send_the_csrf_token_on_api_writes(client):
    # The layout carries the token and the csrftoken cookie is readable by the page's scripts.
    response = client.get("/login")
    assert re.search(r'<meta name="csrf-token" content="[^"]{64}">', response.content.decode())
    assert response.cookies["csrftoken"].value
    assert not response.cookies["csrftoken"]["httponly"]
