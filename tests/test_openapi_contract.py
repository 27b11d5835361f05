"""Schemathesis over /api/schema/ with every check it has (`--checks all`), operation by operation
and then statefully (sequences of calls linked by the ids they return): no 5xx, no response
outside its schema, every schema-valid request accepted and every schema-invalid one refused,
auth enforced where it is declared, a deleted resource gone.

The throttles and the sign-in lockout are raised for the run, so sign-in, registration and SIWE
are fuzzed for real instead of answering 429. Where a check cannot pass on one operation for a
reason the schema cannot state, `EXCLUDED` names the check, the operation and the reason.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import OperationConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance, use_after_free

from apps.accounts.models import Role
from apps.accounts.services import create_api_token
from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment
from apps.journal.api.analytics import ENDPOINTS as ANALYTICS
from tests.accounts.factories import UserFactory, wallet
from tests.exchanges.factories import FundedPaperAccountFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Every JSON body with a NUL anywhere in it is a 400 (apps/core/parsers.py; PostgreSQL text cannot
# hold one), even in a property no field reads: no JSON Schema keyword can say that of a whole
# document. tests/core/test_hostile_bodies.py sends them instead.
schema.config.generation.update(allow_x00=False)

# A schema-valid request these operations refuse by a rule beyond JSON Schema.
_BEYOND_THE_SCHEMA = {
    "POST /api/auth/register": "Django's password validators refuse a common password or one like the email.",
    "POST /api/v1/auth/verify-siwe": "The message must be an EIP-4361 text signed by its address, for a live nonce.",
    "POST /api/v1/exchanges/accounts": "The exchange must be one offered here, and it checks the key live.",
    "POST /api/v1/exchanges/agent-wallet/approve": "The signature must recover to the master wallet.",
    "POST /api/v1/trades": "A limit entry needs its price, a market one none; a long's stop is below it...",
    "POST /api/orders": "LIMIT needs a price, STOP a stopPrice; the decision loop's rules are 422.",
    "PUT /api/v1/risk-config": "The columns keep 3 decimals; JSON Schema cannot bound a float's decimals.",
    "POST /api/v1/journal/upload": "The file must decode as a PNG, JPEG or WebP image: bytes, not a name or a type.",
    "POST /api/v1/journal/trades/import": "The file must be a trades CSV in the layout its description gives.",
    "POST /api/droids": "The pool must exist and the wallet be yours; minPrice below maxPrice, maxBots and "
    "bucketOffset within tickBuckets, the funding within the wallet's value on the chain.",
    "PATCH /api/droids/{droid_id}/config": "minPrice below maxPrice, maxBots and bucketOffset within tickBuckets, "
    "with the droid's stored values.",
}
# The journal's filters: end_date must be after start_date, and a date a day of the calendar.
_BEYOND_THE_SCHEMA.update(
    dict.fromkeys(
        [
            f"GET /api/v1/journal/{path}"
            for path in ("trades", "trades/export", *(f"analytics/{name}" for name, *_ in ANALYTICS))
        ],
        "end_date must be after start_date, and a date a day of the calendar.",
    )
)
# Seed 004's chain lists: from_date must not be after to_date.
_BEYOND_THE_SCHEMA.update(
    dict.fromkeys(
        ["GET /api/v1/transactions", "GET /api/v1/transactions/address/{address}"],
        "from_date must not be after to_date.",
    )
)
EXCLUDED: dict[str, list[Any]] = {operation: [positive_data_acceptance] for operation in _BEYOND_THE_SCHEMA}
# Readiness answers its documented 503 while a dependency is down, and no chain node runs here.
EXCLUDED["GET /health/ready"] = [not_a_server_error]
# A well-formed key for a listed exchange is checked live against the exchange, and nothing outside
# this machine is reachable: the answer is the documented 502 EXCHANGE_UNAVAILABLE (its envelope is
# tested in tests/exchanges/). Only that 5xx is allowed there; any other still fails.
schema.config.operations.operations.append(
    OperationConfig.from_dict(
        {
            "include-method": "POST",
            "include-path": "/api/v1/exchanges/accounts",
            "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502"]}},
        }
    )
)
# No TEE gateway runs here (TEE_GATEWAY_URL is unset): a well-formed /api/v1/tee request reaching
# the gateway gets the documented 503 TEE_NOT_CONFIGURED; the proxy against a running dev gateway,
# and its 502/504, are tested in tests/tee/. Only that 5xx is allowed there. First in the list: a
# POST matches the entry below too (its two include filters are either-or), and the first wins.
schema.config.operations.operations.insert(
    0,
    OperationConfig.from_dict(
        {
            "include-path-regex": "^/api/v1/tee/",
            "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}},
        }
    ),
)
# DELETE on an order or a trade group cancels it (seeds 003, 004): it stays readable, CANCELLED.
EXCLUDED["GET /api/orders/{orderId}"] = [use_after_free]
EXCLUDED["GET /api/v1/trades/{group_id}"] = [use_after_free]
# Schemathesis' WSGI transport can leave a generated multipart field out of the body it builds
# (a non-text value: an empty array becomes no part at all), while its report shows `trade_id=`;
# the server then sees no trade_id and rightly stores the upload unattached (checked by printing
# what the view received). tests/journal/api/test_images_api.py sends the bad ids themselves.
EXCLUDED["POST /api/v1/journal/upload"] = [positive_data_acceptance, negative_data_rejection]


def _excluded(case: Any) -> list[Any]:
    return EXCLUDED.get(f"{case.method.upper()} {case.path}", [])


@pytest.fixture
def as_admin(db, throttle_rates, settings, tmp_path):
    # Requests go straight into the WSGI app (not Django's test client), so keep Django from
    # closing the test transaction's connection at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    throttle_rates(login="100000/min", register="100000/min", nonce="100000/min", pairing="100000/min")
    settings.LOGIN_LOCKOUT_THRESHOLD = 10**6
    settings.LOGIN_LOCKOUT_EMAIL_THRESHOLD = 10**6
    settings.PAIRING_MAX_FAILURES = 10**6
    settings.MEDIA_ROOT = tmp_path  # what an accepted journal upload writes
    # With a wallet address: an agent wallet's master address defaults to it.
    admin = UserFactory(role=Role.ADMIN, wallet_address=wallet().address)
    # An account to trade on, so the order and trade endpoints reach their rules.
    FundedPaperAccountFactory(user=admin)
    # A platform whose contracts are deployed: /api/v1/config answers 503 only before that.
    ContractDeployment.objects.bulk_create(
        ContractDeployment(chain_id=settings.CHAIN_ID, name=name, address=f"0x{index:040x}", block_number=1)
        for index, name in enumerate(CONTRACT_NAMES, start=1)
    )
    yield {"Authorization": f"Bearer {create_api_token(user=admin)}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_documented_operation_is_generated():
    operations = {f"{op.method.upper()} {op.path}" for op in (r.ok() for r in schema.get_all_operations())}
    assert {"POST /api/auth/login", "PATCH /api/admin/users/{userId}", "POST /api/v1/auth/verify-siwe"} <= operations
    assert set(_BEYOND_THE_SCHEMA) <= operations


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, as_admin):
    case.call_and_validate(headers=as_admin, excluded_checks=_excluded(case))


class APIWorkflow(schema.as_state_machine()):
    """Each scenario starts from the fixture's state: what one scenario made (users, accounts,
    orders, rate counters) is rolled back before the next, so a scenario replayed while Hypothesis
    shrinks it meets the same server it met the first time."""

    headers: dict[str, str] = {}

    def setup(self) -> None:
        self.savepoint = transaction.savepoint()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": self.headers}

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        case.validate_response(
            response,
            excluded_checks=_excluded(case),
            headers=self.headers,
            transport_kwargs=kwargs or None,
            recorder=self.recorder,
        )


def test_sequences_of_calls_honour_the_schema(as_admin):
    APIWorkflow.headers = as_admin
    APIWorkflow.run(
        settings=settings(
            max_examples=30,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # A scenario saved from an earlier run would meet another server state (other ids).
            database=None,
        )
    )
