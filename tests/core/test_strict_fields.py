"""Every value is taken only in the JSON type the schema gives it (apps/core/fields.py).

The two walking tests keep it so by construction: every request body of every operation in the
generated schema, and every serializer declared under `apps/`, are checked field by field, so a
new endpoint or field that would coerce fails here without anyone editing this file."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from apps.core.fields import (
    AmountField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictField,
    StrictIntegerField,
    StrictNumberField,
    StrictRegexField,
    StrictUUIDField,
)
from tests.accounts.factories import bearer, sign_in

# Values of each JSON type that DRF's fields would read as another type.
SAMPLES: dict[str, list[Any]] = {
    "string": ["1", "0", "0.5", "true", "false", "yes"],
    "integer": [0, 1, 123456],
    "number": [1.5, 0.5],
    "boolean": [True, False],
    "array": [[], ["1"]],
    "object": [{}, {"1": 1}],
}
# DRF's scalar fields that coerce another JSON type into theirs.
COERCING = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.UUIDField,
    serializers.DateTimeField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.DecimalField,
)


def _leaves(serializer: serializers.BaseSerializer, path: str) -> Iterator[tuple[str, serializers.Field]]:
    """Every writable field under `serializer`, containers and their items included."""
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        where = f"{path}.{name}"
        yield where, field
        if isinstance(field, serializers.ListSerializer):
            yield from _leaves(field.child, f"{where}[]")
        elif isinstance(field, serializers.BaseSerializer):
            yield from _leaves(field, where)
        elif isinstance(field, serializers.ListField | serializers.DictField):
            yield f"{where}[]", field.child


def _json_types(schema: Any, where: str, field: serializers.Field) -> set[str]:
    documented = schema._map_serializer_field(field, "request")
    if "oneOf" in documented:
        types = {branch["type"] for branch in documented["oneOf"]}
    elif "type" in documented:
        types = {documented["type"]}
    else:
        # A nested serializer is a $ref to its component; its own fields are walked as well.
        assert isinstance(field, serializers.BaseSerializer), f"{where} documents no type: {documented}"
        types = {"array" if isinstance(field, serializers.ListSerializer) else "object"}
    return types | {"integer"} if "number" in types else types


def _request_body_fields() -> Iterator[tuple[str, set[str], serializers.Field]]:
    """(where, the JSON types the schema allows it, field) for each field of each documented body."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        # As SchemaGenerator.parse does for each operation: it binds the view's schema to it.
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        schema = view.schema  # the attribute makes a new one at each access
        operation = schema.get_operation(path, path_regex, "^/api", method, generator.registry)
        if not operation or "requestBody" not in operation:
            continue
        body = schema.get_request_serializer()
        body = body() if isinstance(body, type) else body
        for where, field in _leaves(body, f"{method} {path}"):
            yield where, _json_types(schema, where, field), field


def test_every_request_body_field_refuses_another_json_type():
    fields = list(_request_body_fields())
    wrong = []
    for where, json_types, field in fields:
        if isinstance(field, COERCING) and not isinstance(field, StrictField):
            wrong.append(f"{where} is DRF's {type(field).__name__}: use apps.core.fields")
        for value in (value for other in SAMPLES.keys() - json_types for value in SAMPLES[other]):
            try:
                field.run_validation(value)
            except ValidationError:
                continue
            wrong.append(f"{where} ({' or '.join(sorted(json_types))}) took {value!r}")
    assert {
        "POST /api/v1/exchanges/accounts.label",
        "DELETE /api/v1/jobs/{job_id}/offers/{agent_id}.ownerAddress",
        "POST /api/v1/trades.take_profit[].price",
        "PUT /api/v1/risk-config.require_stop_loss",
    } <= {where for where, _, _ in fields}
    assert wrong == []


def _serializers_in_apps() -> list[type[serializers.BaseSerializer]]:
    """Every serializer class under `apps/`: the URL conf imports every API module, and each
    app's `serializers` module is imported as well."""
    importlib.import_module(settings.ROOT_URLCONF)
    for app in django_apps.get_app_configs():
        if app.name.startswith("apps.") and importlib.util.find_spec(f"{app.name}.serializers"):
            importlib.import_module(f"{app.name}.serializers")
    found, queue = [], [serializers.Serializer]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if cls.__module__.startswith("apps."):
            found.append(cls)
    return found


def test_no_serializer_under_apps_declares_a_coercing_field():
    classes = _serializers_in_apps()
    coercing = [
        f"{cls.__module__}.{cls.__qualname__}{where}: {type(field).__name__}"
        for cls in classes
        for where, field in _leaves(cls(), "")
        if isinstance(field, COERCING) and not isinstance(field, StrictField)
    ]
    assert len(classes) > 50
    assert coercing == []


@pytest.mark.parametrize("value", [0, 1.5, True, ["a"], {"a": 1}])
def test_a_strict_char_field_refuses_anything_but_a_string(value):
    with pytest.raises(ValidationError, match=r"Not a valid string\."):
        StrictCharField().run_validation(value)


def test_a_strict_char_field_keeps_the_value_as_sent():
    assert StrictCharField().run_validation(" padded ") == " padded "


def test_a_strict_choice_field_refuses_1_for_the_choice_1():
    field = StrictChoiceField(choices=["1", "True"])
    assert field.run_validation("1") == "1"
    for value in (1, True):
        with pytest.raises(ValidationError):
            field.run_validation(value)


@pytest.mark.parametrize(
    "value", [5, "{12345678-1234-5678-1234-567812345678}", "12345678123456781234567812345678", "urn:uuid:1-2"]
)
def test_a_strict_uuid_field_takes_only_the_canonical_form(value):
    field = StrictUUIDField()
    assert str(field.run_validation("12345678-1234-5678-1234-567812345678")) == "12345678-1234-5678-1234-567812345678"
    with pytest.raises(ValidationError):
        field.run_validation(value)


@pytest.mark.parametrize("value", ["5", True, 5.5])
def test_a_strict_integer_field_refuses_a_numeral_a_boolean_and_a_fraction(value):
    assert StrictIntegerField().run_validation(5) == 5
    with pytest.raises(ValidationError):
        StrictIntegerField().run_validation(value)


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "off"])
def test_a_strict_boolean_field_takes_only_true_and_false(value):
    assert StrictBooleanField().run_validation(False) is False
    with pytest.raises(ValidationError, match=r"Must be true or false\."):
        StrictBooleanField().run_validation(value)


def test_a_strict_number_field_takes_json_numbers_only():
    field = StrictNumberField()
    assert field.run_validation(2.5) == Decimal("2.5")
    assert field.run_validation(Decimal("0.1")) == Decimal("0.1")
    for value in ("2.5", True):
        with pytest.raises(ValidationError, match=r"Not a valid number\."):
            field.run_validation(value)


@pytest.mark.parametrize("value", ["1e5", " 1", "1.", "NaN", True])
def test_a_number_field_taking_numerals_takes_only_plain_ones(value):
    field = StrictNumberField(numerals=True)
    assert field.run_validation("-0.125") == Decimal("-0.125")
    with pytest.raises(ValidationError, match=r"Not a valid number\."):
        field.run_validation(value)


@pytest.mark.parametrize("value", [0.5, 1, "1e5", " 1", "0", "0.000", "-1", "1.", "1" * 21, "0." + "1" * 19])
def test_an_amount_is_a_positive_plain_decimal_string(value):
    field = AmountField()
    assert field.run_validation("0.5") == Decimal("0.5")
    assert field.run_validation("1" * 20 + "." + "1" * 18) == Decimal("1" * 20 + "." + "1" * 18)
    with pytest.raises(ValidationError):
        field.run_validation(value)


@pytest.mark.parametrize("field", [AmountField(allow_null=True), StrictNumberField(allow_null=True, numerals=True)])
def test_a_blank_amount_is_refused_not_read_as_null(field):
    assert field.run_validation(None) is None
    with pytest.raises(ValidationError):
        field.run_validation("")


@pytest.mark.parametrize("value", ["123456\n", "١٢٣٤٥٦", 123456])
def test_a_strict_regex_field_matches_the_whole_value_in_ascii(value):
    field = StrictRegexField(r"^\d{6}$")
    assert field.run_validation("123456") == "123456"
    with pytest.raises(ValidationError):
        field.run_validation(value)


@pytest.mark.django_db
def test_it_answers_400_for_an_account_label_of_0(api, user):
    response = api.post(
        "/api/v1/exchanges/accounts", {"exchange_name": "paper", "label": 0}, format="json", **bearer(sign_in(user))
    )

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"label": ["Not a valid string."]}
    assert not user.exchange_accounts.exists()
