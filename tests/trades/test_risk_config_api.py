"""GET|PUT /api/v1/risk-config: defaults, full replace, validation, auth, per-user rows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.trades.models import RiskConfig
from tests.accounts.factories import UserFactory, bearer, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/risk-config"
SEED_BODY = {
    "account_risk_percent": 2.0,
    "max_risk_amount": 150.0,
    "max_position_size": 0.5,
    "max_leverage": 5,
    "daily_max_drawdown_percent": 5.0,
    "max_open_positions": 5,
    "require_stop_loss": True,
    "min_risk_reward_ratio": 1.5,
}


def put(api, user, body):
    return api.put(URL, data=json.dumps(body), content_type="application/json", **bearer(sign_in(user)))


def test_a_new_trader_reads_the_defaults_as_json_numbers(api, user):
    response = api.get(URL, **bearer(sign_in(user)))
    assert response.status_code == 200
    assert response.json() == {
        "account_risk_percent": 1.0,
        "max_risk_amount": 100.0,
        "max_position_size": None,  # no cap until the trader sets one
        "max_leverage": 5,
        "daily_max_drawdown_percent": 5.0,
        "max_open_positions": 5,
        "require_stop_loss": True,
        "min_risk_reward_ratio": 1.5,
    }
    assert not RiskConfig.objects.exists()  # reading saves nothing


def test_the_seed_example_updates_the_config(api, user):
    response = put(api, user, SEED_BODY)
    assert response.status_code == 200
    assert response.json() == SEED_BODY
    assert api.get(URL, **bearer(sign_in(user))).json() == SEED_BODY
    config = RiskConfig.objects.get(user=user)
    assert config.max_position_size == Decimal("0.5")
    assert config.account_risk_percent == Decimal("2")


def test_a_second_update_replaces_the_first(api, user):
    put(api, user, SEED_BODY)
    body = {**SEED_BODY, "max_risk_amount": 123456789.123, "require_stop_loss": False, "max_leverage": 125}
    response = put(api, user, body)
    assert response.status_code == 200
    assert response.json() == body
    assert RiskConfig.objects.get(user=user).max_risk_amount == Decimal("123456789.123")
    assert RiskConfig.objects.count() == 1


def test_numbers_may_be_sent_as_strings(api, user):
    response = put(api, user, {**SEED_BODY, "max_position_size": "0.125"})
    assert response.status_code == 200
    assert response.json()["max_position_size"] == 0.125


def test_a_null_max_position_size_removes_the_cap(api, user):
    put(api, user, SEED_BODY)
    response = put(api, user, {**SEED_BODY, "max_position_size": None})
    assert response.status_code == 200
    assert response.json()["max_position_size"] is None
    assert RiskConfig.objects.get(user=user).max_position_size is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("account_risk_percent", 0),
        ("account_risk_percent", 100.5),
        ("account_risk_percent", -1),
        ("account_risk_percent", 1.2345),  # the column keeps 3 decimals
        ("daily_max_drawdown_percent", 0),
        ("daily_max_drawdown_percent", 101),
        ("max_risk_amount", 0),
        ("max_risk_amount", -5),
        ("max_risk_amount", "1234567890.1234567"),  # more digits than a JSON number carries exactly
        ("max_position_size", 0),
        ("max_leverage", 0),
        ("max_leverage", 126),
        ("max_leverage", 2.5),
        ("max_open_positions", 0),
        ("min_risk_reward_ratio", 0),
        ("min_risk_reward_ratio", -1.5),
        ("require_stop_loss", "maybe"),
        ("max_risk_amount", "lots"),
        ("max_risk_amount", None),  # only the position size may be left without a limit
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(api, user, field, value):
    response = put(api, user, {**SEED_BODY, field: value})
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert list(error["details"]) == [field]
    assert error["message"].startswith(f"{field}: ")
    assert not RiskConfig.objects.exists()


def test_every_invalid_field_is_reported_at_once(api, user):
    response = put(api, user, {**SEED_BODY, "max_leverage": 500, "account_risk_percent": 0, "max_open_positions": 0})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"max_leverage", "account_risk_percent", "max_open_positions"}


def test_a_missing_field_is_a_400(api, user):
    body = {key: value for key, value in SEED_BODY.items() if key != "max_leverage"}
    response = put(api, user, body)
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"max_leverage": ["This field is required."]}


def test_an_unknown_field_is_a_400(api, user):
    response = put(api, user, {**SEED_BODY, "max_daily_trades": 3})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"max_daily_trades": ["Unknown field."]}


@pytest.mark.parametrize("body", [[], "text", None])
def test_a_body_that_is_not_an_object_is_a_400(api, user, body):
    assert put(api, user, body).status_code == 400


def test_a_failed_update_keeps_the_saved_config(api, user):
    put(api, user, SEED_BODY)
    assert put(api, user, {**SEED_BODY, "max_leverage": 1, "min_risk_reward_ratio": 0}).status_code == 400
    assert RiskConfig.objects.get(user=user).max_leverage == 5


def test_it_requires_authentication(api):
    for response in (api.get(URL), api.put(URL, data=json.dumps(SEED_BODY), content_type="application/json")):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert not RiskConfig.objects.exists()


def test_each_trader_has_their_own_config(api, user):
    other = UserFactory()
    put(api, user, SEED_BODY)
    assert api.get(URL, **bearer(sign_in(other))).json()["max_position_size"] is None
    put(api, other, {**SEED_BODY, "max_position_size": 3})
    assert api.get(URL, **bearer(sign_in(user))).json()["max_position_size"] == 0.5
    assert RiskConfig.objects.get(user=other).max_position_size == 3
