"""/api/v1/tee/* against the dev gateway over HTTP, with jobs as the chain follower indexes them."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from eth_account import Account

from tests.core.servers import free_port
from tests.core.wallet_signing import wallet_headers
from tests.jobs.api.factories import USDC, AgentFactory, JobFactory
from tests.tee.gateway import dev_gateway, encrypt_api_key, sign_order

pytestmark = pytest.mark.django_db

CLIENT = Account.from_key(b"\x11" * 32)
PROVIDER = Account.from_key(b"\x12" * 32)
STRANGER = Account.from_key(b"\x13" * 32)
INIT_PATH = "/api/v1/tee/jobs"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with dev_gateway(tmp_path_factory.mktemp("tee-proxy") / "state") as running:
        yield running


@pytest.fixture
def proxied(settings, gateway):
    settings.TEE_GATEWAY_URL = gateway.url
    return gateway


_job_numbers = iter(range(7000, 8000))


def cex_job(**overrides):
    defaults = {
        "job_id": next(_job_numbers),
        "strategy_type": "CEX_CAPITAL",
        "status": "FUNDED",
        "client": AgentFactory(owner_address=CLIENT.address),
        "provider": AgentFactory(owner_address=PROVIDER.address),
        "cex_capital": Decimal(10_000 * USDC),
        "onchain_deadline": int(time.time()) + 3600,
        "stop_loss_bps": 1000,
        "target_return_bps": 2000,
    }
    return JobFactory(**{**defaults, **overrides})


def init_body(api, job, *, job_id: str | None = None, deadline: int | None = None) -> dict:
    tee_pubkey = api.get("/api/v1/tee/attestation").json()["tee_pubkey"]
    return {
        "job_id": job_id or str(job.job_id),
        "encrypted_api_key": encrypt_api_key(tee_pubkey),
        "params": {"stop_loss_bps": 1000, "target_return_bps": 2000, "max_daily_trades": 50},
        "deadline": job.onchain_deadline if deadline is None else deadline,
    }


def post_init(api, body: dict, *, account=CLIENT):
    raw = json.dumps(body).encode()
    headers = wallet_headers(account, scope="tee-jobs", job_id=body["job_id"], method="POST", path=INIT_PATH, body=raw)
    return api.post(INIT_PATH, data=raw, content_type="application/json", **headers)


def post_order(api, job_id: str, *, signer=PROVIDER, **fields):
    order = {"symbol": "BTC/USDT", "side": "buy", "quantity": "0.01", "price": "65000", "nonce": "1", **fields}
    body = {"order": order, "provider_signature": sign_order(signer, job_id=job_id, order=order)}
    return api.post(f"/api/v1/tee/jobs/{job_id}/orders", data=body, format="json")


def test_the_client_initialises_and_the_providers_signed_order_executes(api, proxied):
    job = cex_job()

    init = post_init(api, init_body(api, job))
    assert init.status_code == 200, init.content
    assert post_order(api, str(job.job_id)).status_code == 200
    assert post_order(api, str(job.job_id), signer=STRANGER, nonce="2").status_code == 401

    status = api.get(f"/api/v1/tee/jobs/{job.job_id}/status").json()
    assert status["state"] == "running"
    assert status["balance_report"]["usdt_balance"] == "9350.00"
    assert status["balance_report"]["starting_capital"] == "10000.00"


def test_the_seeds_bytes32_job_id_works_on_every_tee_path(api, proxied):
    job = cex_job()
    as_bytes32 = "0x" + job.job_id.to_bytes(32, "big").hex()

    assert post_init(api, init_body(api, job, job_id=as_bytes32)).status_code == 200
    assert post_order(api, as_bytes32).status_code == 200
    assert api.get(f"/api/v1/tee/jobs/{as_bytes32}/status").json()["balance_report"]["usdt_balance"] == "9350.00"


def test_verify_true_checks_the_enclave_signature_and_says_there_is_no_hardware_quote(api, proxied):
    job = cex_job()
    post_init(api, init_body(api, job))

    body = api.get(f"/api/v1/tee/jobs/{job.job_id}/status?verify=true").json()

    assert body["verification"]["valid"] is True
    assert body["verification"]["attestation_type"] == "dev"
    assert "no hardware quote" in body["verification"]["note"]


def test_a_strangers_init_is_refused_and_reaches_no_gateway(api, proxied):
    job = cex_job()

    response = post_init(api, init_body(api, job), account=STRANGER)

    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": {"code": "NOT_JOB_CLIENT", "message": "Only the job's client can initialise its TEE task."},
    }
    assert api.get(f"/api/v1/tee/jobs/{job.job_id}/status").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"strategy_type": "PROGRAM"}, "NOT_CEX_CAPITAL"), ({"status": "OPEN"}, "JOB_NOT_FUNDED")],
)
def test_only_a_funded_cex_capital_job_gets_a_tee_task(api, proxied, overrides, code):
    job = cex_job(**overrides)

    response = post_init(api, init_body(api, job))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == code


def test_a_deadline_that_is_not_the_chains_is_400(api, proxied):
    job = cex_job()

    response = post_init(api, init_body(api, job, deadline=job.onchain_deadline + 1))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "DEADLINE_MISMATCH"


def test_an_unknown_job_is_404(api, proxied):
    job = cex_job()
    body = init_body(api, job, job_id="987654321")

    assert post_init(api, body).status_code == 404


def test_a_gateway_that_is_down_is_a_prompt_502(api, settings):
    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"

    started = time.monotonic()
    response = api.get("/api/v1/tee/attestation")

    assert response.status_code == 502
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "TEE_GATEWAY_UNAVAILABLE"
    assert time.monotonic() - started < 3


def test_a_gateway_that_does_not_answer_is_a_504_within_the_read_timeout(api, settings, silent_gateway):
    settings.TEE_GATEWAY_URL = silent_gateway
    settings.TEE_GATEWAY_TIMEOUT_SECONDS = 0.5

    started = time.monotonic()
    response = api.get("/api/v1/tee/jobs/1/status")

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "TEE_GATEWAY_TIMEOUT"
    assert time.monotonic() - started < 2.5


@pytest.fixture
def tee_readiness():
    from apps.core import probes
    from apps.tee.gateway_client import readiness_check

    before = probes._checks.get("tee_gateway")
    probes.register_readiness_check("tee_gateway", readiness_check)
    yield
    if before is None:
        probes._checks.pop("tee_gateway", None)
    else:
        probes._checks["tee_gateway"] = before


def test_readiness_fails_while_the_gateway_is_down_and_recovers_when_it_returns(api, settings, tmp_path, tee_readiness):
    port = free_port()
    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{port}"

    down = api.get("/health/ready")
    assert down.status_code == 503
    assert down.json()["checks"]["tee_gateway"].startswith("error: TEE gateway")

    with dev_gateway(tmp_path / "state", port=port):
        up = api.get("/health/ready").json()
    assert up["checks"]["tee_gateway"] == "ok"
    assert up["details"]["tee_gateway"]["attestationType"] == "dev"
