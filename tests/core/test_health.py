import pytest


@pytest.mark.django_db
def test_liveness_always_answers_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_database_and_redis(api):
    response = api.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readiness_is_503_naming_the_part_that_failed(api, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = api.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")
    assert body["error"]["code"] == "NOT_READY"
    assert "redis" in body["error"]["message"]
