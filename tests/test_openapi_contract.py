"""Schemathesis over /api/schema/: every documented operation, generated inputs, no 5xx and
no response outside its schema (status code, content type and body)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import Role
from apps.accounts.services import create_api_token
from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment
from tests.accounts.factories import UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def as_admin(db, throttle_rates, settings):
    # Requests go straight into the WSGI app (not Django's test client), so keep Django from
    # closing the test transaction's connection at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    throttle_rates(login="100000/min", register="100000/min", nonce="100000/min", pairing="100000/min")
    settings.LOGIN_LOCKOUT_THRESHOLD = 10**6
    settings.PAIRING_MAX_FAILURES = 10**6
    admin = UserFactory(role=Role.ADMIN)
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
    assert len(operations) >= 23


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, as_admin):
    case.call_and_validate(
        headers=as_admin,
        checks=[
            schemathesis.checks.not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
