"""Each API family gets its own error envelope, chosen by path, for every error and status."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

JOBS, DESK, APP = "/api/v1/jobs", "/api/v1/trades", "/api/droids"


def envelope(family, status, body):
    """(code, message) out of a family's envelope, asserting its exact shape."""
    if family == JOBS:
        assert set(body) == {"success", "error"} and body["success"] is False
        assert set(body["error"]) >= {"code", "message"}
        return body["error"]["code"], body["error"]["message"]
    if family == DESK:
        assert set(body) == {"error"}
        assert set(body["error"]) >= {"code", "message"}
        return body["error"]["code"], body["error"]["message"]
    assert set(body) >= {"error", "code"} and isinstance(body["error"], str)
    assert body["code"] == str(status)
    return body["code"], body["error"]


@pytest.mark.parametrize("family", [JOBS, DESK, APP])
@pytest.mark.parametrize(
    ("kind", "status", "desk_code"),
    [("401", 401, "UNAUTHORIZED"), ("403", 403, "FORBIDDEN"), ("404", 404, "NOT_FOUND"), ("409", 409, "DUPLICATE")],
)
def test_errors_use_the_familys_envelope(api, family, kind, status, desk_code):
    response = api.get(f"{family}/raise", {"kind": kind})
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    code, message = envelope(family, status, response.json())
    assert message
    if family != APP:
        assert code == desk_code


@pytest.mark.parametrize("family", [JOBS, DESK, APP])
def test_a_validation_error_is_400_naming_the_field(api, family):
    response = api.post(f"{family}/raise", {"amount": "lots"}, format="json")
    assert response.status_code == 400
    _code, message = envelope(family, 400, response.json())
    assert "amount" in message


@pytest.mark.parametrize("family", [JOBS, DESK, APP])
def test_malformed_json_is_400(api, family):
    response = api.post(f"{family}/raise", "{not json", content_type="application/json")
    assert response.status_code == 400
    envelope(family, 400, response.json())


@pytest.mark.parametrize("family", [JOBS, DESK, APP])
def test_an_unexpected_error_is_a_500_envelope_without_internals(api, family):
    api.raise_request_exception = False
    response = api.get(f"{family}/raise", {"kind": "500"})
    assert response.status_code == 500
    envelope(family, 500, response.json())
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("family", [JOBS, DESK, APP])
def test_a_plain_django_view_that_fails_still_answers_in_the_envelope(client, family, settings):
    settings.DEBUG = True  # the technical 500 page must not leak either
    client.raise_request_exception = False
    response = client.get(f"{family}/plain")
    assert response.status_code == 500
    envelope(family, 500, response.json())
    assert "a plain view failed" not in response.content.decode()


@pytest.mark.parametrize("family", [JOBS, DESK, APP])
def test_an_unknown_path_is_a_404_envelope_even_in_debug(client, family, settings):
    settings.DEBUG = True
    response = client.get(f"{family}/no/such/thing")
    assert response.status_code == 404
    envelope(family, 404, response.json())


def test_a_wrong_method_is_405_in_the_envelope(api):
    response = api.delete("/api/v1/auth/nonce")
    assert response.status_code == 405
    envelope(DESK, 405, response.json())


def test_pages_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
