"""What the generated OpenAPI schema states: every bound the server enforces, every body it reads
(apps/core/openapi.py, apps/core/pagination.py). tests/test_openapi_contract.py then holds the
server to it with schemathesis."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

PAGING = {"page", "limit", "page_size"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _component(document: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    reference = body["content"]["application/json"]["schema"]["$ref"]
    return document["components"]["schemas"][reference.rsplit("/", 1)[-1]]


def test_every_paging_parameter_states_its_bounds(document):
    paged = {
        f"{label} {parameter['name']}": parameter["schema"]
        for label, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in PAGING
    }

    assert "GET /api/v1/jobs page" in paged
    assert "GET /api/orders limit" in paged
    unbounded = {name: schema for name, schema in paged.items() if not {"minimum", "maximum"} <= set(schema)}
    assert unbounded == {}
    assert {schema["minimum"] for schema in paged.values()} == {1}


def test_withdrawing_an_offer_documents_the_body_it_reads(document):
    body = document["paths"]["/api/v1/jobs/{job_id}/offers/{agent_id}"]["delete"]["requestBody"]

    assert body["required"] is True
    assert _component(document, body)["required"] == ["ownerAddress"]


def test_an_admin_update_must_name_a_role_or_a_status(document):
    body = document["paths"]["/api/admin/users/{userId}"]["patch"]["requestBody"]

    assert body["required"] is True
    assert _component(document, body)["minProperties"] == 1


def test_the_risk_config_states_its_bounds_and_refuses_unknown_fields(document):
    body = document["paths"]["/api/v1/risk-config"]["put"]["requestBody"]
    component = _component(document, body)

    assert component["additionalProperties"] is False
    number, numeral = component["properties"]["account_risk_percent"]["oneOf"]
    assert (number["minimum"], number["exclusiveMinimum"], number["maximum"]) == (0, True, 100)
    assert numeral["type"] == "string"
    assert component["properties"]["max_leverage"]["maximum"] == 125


def test_an_amount_documents_the_pattern_it_is_held_to(document):
    body = document["paths"]["/api/v1/trades"]["post"]["requestBody"]
    quantity = _component(document, body)["properties"]["quantity"]

    assert quantity["type"] == "string"
    assert quantity["pattern"].startswith("^")
