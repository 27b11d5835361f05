"""Who may subscribe to `order.<user_id>` / `balance.<user_id>`, and sockets of ended sessions."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from apps.accounts import asgi_auth
from apps.accounts.models import Status, User
from apps.accounts.services import create_api_token, revoke_session, set_user_access
from apps.core.consumers import CLOSE_SESSION_REVOKED
from apps.core.streams import publish
from tests.accounts.factories import sign_in

send = sync_to_async(publish)


@pytest.fixture(autouse=True)
def _our_hosts(settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]


@pytest.mark.django_db(transaction=True)
async def test_it_refuses_an_anonymous_order_subscription_with_401(open_socket):
    socket = await open_socket()

    reply = await socket.subscribe(f"order.{uuid.uuid4()}", request_id=1)

    assert reply["id"] == 1
    assert reply["error"]["code"] == 401


@pytest.mark.django_db(transaction=True)
async def test_it_treats_an_unknown_token_as_anonymous(open_socket):
    socket = await open_socket(token="not-a-token")

    reply = await socket.subscribe(f"balance.{uuid.uuid4()}")

    assert reply["error"]["code"] == 401


async def test_it_refuses_another_users_order_stream(open_socket, trader, trader_tokens, other_trader):
    socket = await open_socket(token=trader_tokens.access_token)
    theirs, mine = f"order.{other_trader.id}", f"order.{trader.id}"

    reply = await socket.subscribe(theirs, request_id=2)
    await socket.subscribe(mine, request_id=3)
    await send(theirs, {"status": "FILLED"})
    await send(mine, {"status": "NEW"})

    assert reply["id"] == 2
    assert reply["error"]["code"] == 403
    assert await socket.receive() == {"stream": mine, "data": {"status": "NEW"}}


async def test_it_forwards_the_traders_own_order_and_balance_streams(open_socket, trader, trader_tokens):
    socket = await open_socket(token=trader_tokens.access_token)
    orders, balances = f"order.{trader.id}", f"balance.{trader.id}"

    assert await socket.subscribe(orders, balances, request_id=4) == {"result": None, "id": 4}
    await send(orders, {"orderId": "1", "status": "FILLED"})
    await send(balances, {"asset": "USDT", "free": "10.5"})

    assert await socket.receive() == {"stream": orders, "data": {"orderId": "1", "status": "FILLED"}}
    assert await socket.receive() == {"stream": balances, "data": {"asset": "USDT", "free": "10.5"}}


@pytest.mark.parametrize("cookie_name", ["access_token", "auth_token"])
@pytest.mark.parametrize("origin", [None, "http://localhost", "http://localhost:8080"])
async def test_it_reads_the_access_cookie_from_our_own_pages(open_socket, trader, trader_tokens, origin, cookie_name):
    socket = await open_socket(cookie=f"{cookie_name}={trader_tokens.access_token}", origin=origin)

    assert await socket.subscribe(f"order.{trader.id}") == {"result": None, "id": 1}


async def test_it_ignores_the_access_cookie_on_a_socket_from_a_foreign_origin(open_socket, trader, trader_tokens):
    socket = await open_socket(cookie=f"access_token={trader_tokens.access_token}", origin="http://evil.example")

    reply = await socket.subscribe(f"order.{trader.id}")

    assert reply["error"]["code"] == 401


async def test_it_still_honours_a_token_in_the_url_from_a_foreign_origin(open_socket, trader, trader_tokens):
    socket = await open_socket(token=trader_tokens.access_token, origin="http://evil.example")

    assert await socket.subscribe(f"order.{trader.id}") == {"result": None, "id": 1}


@pytest.mark.parametrize("neighbour", ["theme=dark mode", "ui{theme}=dark", 'quoted="unterminated'])
async def test_it_finds_the_access_cookie_beside_cookies_of_other_apps(open_socket, trader, trader_tokens, neighbour):
    socket = await open_socket(cookie=f"{neighbour}; access_token={trader_tokens.access_token}")

    assert await socket.subscribe(f"order.{trader.id}") == {"result": None, "id": 1}


@pytest.mark.parametrize("status", [Status.PENDING, Status.SUSPENDED])
async def test_it_refuses_the_token_of_a_user_who_is_no_longer_active(open_socket, trader, trader_tokens, status):
    await database_sync_to_async(set_user_access)(user=trader, status=status)
    socket = await open_socket(token=trader_tokens.access_token)

    reply = await socket.subscribe(f"order.{trader.id}")

    # Leaving ACTIVE revoked the session, so the token no longer names anyone.
    assert reply["error"]["code"] == 401


async def test_it_refuses_user_streams_to_a_suspended_user_it_still_identifies(open_socket, trader):
    # A personal API token outlives suspension (it is refused at use, not deleted).
    raw = await database_sync_to_async(create_api_token)(user=trader)
    await database_sync_to_async(set_user_access)(user=trader, status=Status.SUSPENDED)
    socket = await open_socket(token=raw)

    reply = await socket.subscribe(f"order.{trader.id}")

    assert reply["error"]["code"] == 403
    assert await socket.subscribe("ticker.BTC_USDT", request_id=2) == {"result": None, "id": 2}


async def test_it_refuses_a_user_whose_status_changed_behind_the_services_back(open_socket, trader, trader_tokens):
    await database_sync_to_async(User.objects.filter(pk=trader.pk).update)(status=Status.PENDING)
    socket = await open_socket(token=trader_tokens.access_token)

    reply = await socket.subscribe(f"order.{trader.id}")

    assert reply["error"]["code"] == 403


async def test_it_closes_the_socket_with_4001_when_its_session_is_revoked(open_socket, trader, trader_tokens):
    socket = await open_socket(token=trader_tokens.access_token)
    await socket.subscribe(f"order.{trader.id}")

    await database_sync_to_async(revoke_session)(session=trader_tokens.session, reason="logout")

    assert await socket.close_code() == CLOSE_SESSION_REVOKED


async def test_it_closes_the_socket_when_the_user_is_suspended(open_socket, trader, trader_tokens):
    socket = await open_socket(token=trader_tokens.access_token)

    await database_sync_to_async(set_user_access)(user=trader, status=Status.SUSPENDED)

    assert await socket.close_code() == CLOSE_SESSION_REVOKED


async def test_it_keeps_the_sockets_of_the_users_other_sessions_open(open_socket, trader, trader_tokens):
    other_device = await database_sync_to_async(sign_in)(trader)
    closing = await open_socket(token=trader_tokens.access_token)
    staying = await open_socket(token=other_device.access_token)
    await staying.subscribe(f"order.{trader.id}")

    await database_sync_to_async(revoke_session)(session=trader_tokens.session, reason="logout")
    assert await closing.close_code() == CLOSE_SESSION_REVOKED
    await send(f"order.{trader.id}", {"status": "NEW"})

    assert await staying.receive() == {"stream": f"order.{trader.id}", "data": {"status": "NEW"}}


async def test_it_closes_a_socket_whose_session_was_revoked_while_it_connected(
    open_socket, monkeypatch, trader, trader_tokens
):
    resolve = asgi_auth._resolve

    async def resolve_then_revoke(credentials):
        resolved = await resolve(credentials)
        # The revocation lands after the lookup and before the socket listens for it.
        await database_sync_to_async(revoke_session)(session=trader_tokens.session, reason="logout")
        return resolved

    monkeypatch.setattr(asgi_auth, "_resolve", resolve_then_revoke)
    socket = await open_socket(token=trader_tokens.access_token)

    assert await socket.close_code() == CLOSE_SESSION_REVOKED


async def test_it_closes_an_api_token_socket_when_the_token_is_revoked(open_socket, trader):
    from apps.accounts.services import revoke_api_token

    raw = await database_sync_to_async(create_api_token)(user=trader)
    socket = await open_socket(token=raw)
    assert await socket.subscribe(f"order.{trader.id}") == {"result": None, "id": 1}

    await database_sync_to_async(revoke_api_token)(user=trader)

    assert await socket.close_code() == CLOSE_SESSION_REVOKED


async def test_it_closes_an_api_token_socket_when_the_user_is_suspended(open_socket, trader):
    raw = await database_sync_to_async(create_api_token)(user=trader)
    socket = await open_socket(token=raw)
    await socket.subscribe(f"balance.{trader.id}")

    await database_sync_to_async(set_user_access)(user=trader, status=Status.SUSPENDED)

    assert await socket.close_code() == CLOSE_SESSION_REVOKED
