"""QuerySerializer validates as a DRF Serializer does while copying its fields shallowly."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from apps.core.fields import StrictChoiceField, StrictRegexField
from apps.core.query import QuerySerializer


class Filters(QuerySerializer):
    colour = StrictChoiceField(choices=["RED", "BLUE"], required=False)
    code = StrictRegexField(r"^[a-z]{3}$", required=False)


class DeepFilters(serializers.Serializer):
    colour = StrictChoiceField(choices=["RED", "BLUE"], required=False)
    code = StrictRegexField(r"^[a-z]{3}$", required=False)


@pytest.mark.parametrize(
    "query",
    [{}, {"colour": "RED"}, {"colour": "GREEN"}, {"code": "abc", "colour": "BLUE"}, {"code": "ab\n"}, {"code": 3}],
)
def test_it_validates_as_a_serializer_does(query):
    ours, drfs = Filters(data=query), DeepFilters(data=query)

    assert ours.is_valid() == drfs.is_valid()
    assert ours.errors == drfs.errors
    assert dict(ours.validated_data if not ours.errors else {}) == dict(drfs.validated_data if not drfs.errors else {})


def test_each_instance_binds_its_own_fields_and_the_declared_ones_stay_unbound():
    first, second = Filters(data={}), Filters(data={})

    assert first.fields["colour"] is not second.fields["colour"]
    assert first.fields["colour"].parent is first and second.fields["colour"].parent is second
    assert Filters._declared_fields["colour"].field_name is None
    assert Filters(data={"colour": "GREEN"}).is_valid() is False  # a second use binds again


def test_a_nested_serializer_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="plain fields only"):

        class Nested(QuerySerializer):
            inner = Filters()
