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


@pytest.mark.django_db
def test_readiness_checks_the_tee_gateway_once_one_is_configured(api, settings):
    from apps.core import probes

    settings.TEE_GATEWAY_URL = "http://127.0.0.1:1"
    probes.register_configured_checks()
    try:
        response = api.get("/health/ready")
    finally:
        probes._checks.pop("tee_gateway", None)
    assert response.status_code == 503
    assert response.json()["checks"]["tee_gateway"].startswith("error")
    assert "tee_gateway" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_the_sidecar_probe_says_when_none_is_configured(api):
    assert api.get("/health/sidecar").json() == {"status": "not_configured", "url": None}


@pytest.mark.django_db
def test_the_sidecar_probe_is_503_when_the_sidecar_is_down(api, settings):
    settings.SIDECAR_URL = "http://127.0.0.1:1"
    response = api.get("/health/sidecar")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SIDECAR_DOWN"


@pytest.mark.django_db
def test_the_sidecar_probe_is_ok_when_the_sidecar_answers(api, settings):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Healthy(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SIDECAR_URL = f"http://127.0.0.1:{server.server_port}"
        response = api.get("/health/sidecar")
    finally:
        server.shutdown()
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_metrics_are_exposed_for_prometheus(client):
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_method_total" in response.content.decode()
