import pytest
from web3 import HTTPProvider, Web3

from apps.indexer.models import ChainCursor, IndexedBlock
from scripts.local_chain import ANVIL, anvil_node
from tests.conftest import require_binary
from tests.core.servers import LOOPBACK, free_port


@pytest.fixture(scope="module")
def node_url():
    """A real chain node (anvil) for the readiness probe to find."""
    binary = require_binary("anvil", str(ANVIL))
    with anvil_node(binary=binary, port=free_port(), wait=30) as url:
        yield url


@pytest.fixture
def node(node_url, settings):
    settings.RPC_URL = node_url
    return Web3(HTTPProvider(node_url))


@pytest.mark.django_db
def test_liveness_always_answers_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_database_redis_and_the_chain_node(api, node):
    response = api.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "chain_node": "ok"}
    assert response.json()["details"]["chain_node"]["headBlock"] == node.eth.block_number


@pytest.mark.django_db
def test_readiness_is_503_naming_the_chain_node_when_it_does_not_answer(api, settings):
    settings.RPC_URL = f"http://{LOOPBACK}:{free_port()}"  # nothing listens there
    response = api.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["chain_node"] == "error: connection refused or dropped"
    assert body["checks"]["database"] == "ok"
    assert body["error"] == {"code": "NOT_READY", "message": "Not ready: chain_node failed."}
    assert settings.RPC_URL not in response.content.decode()


@pytest.mark.django_db
def test_readiness_reports_how_far_the_indexer_is_behind_the_head(api, node):
    node.provider.make_request("anvil_mine", [5])
    indexed = node.eth.get_block(node.eth.block_number - 3)
    head = node.eth.get_block("latest")
    IndexedBlock.objects.create(
        number=indexed["number"], hash=indexed["hash"].to_0x_hex(), parent_hash="0x", timestamp=indexed["timestamp"]
    )
    ChainCursor.objects.create(name="aacp", block_number=indexed["number"], block_hash=indexed["hash"].to_0x_hex())

    indexer = api.get("/health/ready").json()["details"]["chain_node"]["indexer"]

    assert indexer["aacp"]["indexedBlock"] == indexed["number"]
    assert indexer["aacp"]["lagBlocks"] == 3
    assert indexer["aacp"]["lagSeconds"] == head["timestamp"] - indexed["timestamp"]
    assert indexer["aacp"]["nodeDownSince"] is None


@pytest.mark.django_db
def test_readiness_still_reports_the_indexers_position_while_the_node_is_down(api, settings):
    settings.RPC_URL = f"http://{LOOPBACK}:{free_port()}"
    IndexedBlock.objects.create(number=7, hash="0x07", parent_hash="0x06", timestamp=1_700_000_000)
    ChainCursor.objects.create(name="aacp", block_number=7, block_hash="0x07")

    indexer = api.get("/health/ready").json()["details"]["chain_node"]["indexer"]

    assert indexer["aacp"]["indexedBlock"] == 7
    assert indexer["aacp"]["indexedBlockAt"] == "2023-11-14T22:13:20Z"
    assert indexer["aacp"]["lagBlocks"] is None


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


def test_readiness_checks_the_prover_once_one_is_configured(api, settings):
    from apps.core import probes

    settings.PROVER_URL = "http://127.0.0.1:1"
    probes.register_configured_checks()
    try:
        response = api.get("/health/ready")
    finally:
        probes._checks.pop("prover", None)
    assert response.status_code == 503
    assert response.json()["checks"]["prover"].startswith("error")


@pytest.mark.django_db
def test_readiness_checks_the_sidecar_once_one_is_configured(api, settings):
    from apps.core import probes

    settings.SIDECAR_URL = f"http://{LOOPBACK}:{free_port()}"
    probes.register_configured_checks()
    try:
        response = api.get("/health/ready")
    finally:
        probes._checks.pop("sidecar", None)
    assert response.status_code == 503
    assert response.json()["checks"]["sidecar"].startswith("error")
    assert "sidecar" in response.json()["error"]["message"]


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
def test_metrics_are_exposed_for_prometheus(client, settings):
    # Metrics are for the scraper only (tests/core/test_metrics_access.py); this one holds the token.
    settings.METRICS_TOKEN = "metrics-token-0123456789abcdef"
    client.get("/health")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_method_total" in response.content.decode()


@pytest.mark.django_db
def test_the_sidecar_probe_reports_the_tee_gateway_when_no_other_sidecar_is_set(api, settings, tmp_path):
    from tests.tee.gateway import dev_gateway

    settings.SIDECAR_URL = ""
    with dev_gateway(tmp_path / "tee") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        response = api.get("/health/sidecar")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "url": gateway.url}
    assert api.get("/health/sidecar").status_code == 503  # and down once it stops
