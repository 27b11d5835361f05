"""The TEE card and the snapshot chart on a CEX_CAPITAL job's page, with the dev gateway running
as a real process (tests/tee/gateway.py), and a gateway that is down, silent or not configured."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from eth_account import Account

from apps.jobs.models import StrategyType
from tests.core.servers import free_port
from tests.jobs.api.factories import T0, USDC, JobFactory, SnapshotFactory
from tests.tee.gateway import dev_gateway, encrypt_api_key, sign_order
from tests.tee.gateway import tampering_relay as relay_changing_balances

pytestmark = pytest.mark.django_db

PROVIDER = Account.from_key(b"\x22" * 32)
_job_numbers = iter(range(3100, 3200))


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with dev_gateway(tmp_path_factory.mktemp("tee-panel") / "state") as running:
        yield running


@pytest.fixture
def configured(settings, gateway):
    settings.TEE_GATEWAY_URL = gateway.url
    return gateway


def cex_job(**overrides):
    return JobFactory(
        **{"job_id": next(_job_numbers), "strategy_type": StrategyType.CEX_CAPITAL, "cex_capital": 10_000 * USDC}
        | overrides
    )


def start_task(gateway, job, *, stop_loss_bps: int = 1000) -> None:
    """What the proxy forwards after its checks: the task is initialised in the gateway."""
    body = {
        "job_id": str(job.job_id),
        "encrypted_api_key": encrypt_api_key(gateway.get("/attestation").json()["tee_pubkey"]),
        "params": {"stop_loss_bps": stop_loss_bps, "target_return_bps": 0, "max_daily_trades": 50},
        "deadline": int(time.time()) + 3600,
        "provider_address": PROVIDER.address,
        "starting_capital": "10000.00",
    }
    assert gateway.post("/jobs", body).status_code == 200


def fill(gateway, job, **fields) -> None:
    fields = {"symbol": "BTC/USDT", "side": "buy", "quantity": "0.01", "price": "65000", "nonce": "1", **fields}
    signature = sign_order(PROVIDER, job_id=str(job.job_id), order=fields)
    response = gateway.post(f"/jobs/{job.job_id}/orders", {"order": fields, "provider_signature": signature})
    assert response.status_code == 200, response.text


def tee_card(client, job) -> str:
    response = client.get(f"/jobs/{job.job_id}")
    assert response.status_code == 200
    page = response.content.decode()
    match = re.search(r'<section class="card" id="tee".*?</section>', page, re.S)
    assert match, "the page has no TEE card"
    return re.sub(r"\s+", " ", match.group(0))


def test_a_running_task_shows_its_balance_positions_and_a_valid_dev_signature(client, configured):
    job = cex_job()
    start_task(configured, job)
    fill(configured, job)

    card = tee_card(client, job)

    assert 'data-tee-availability="ok"' in card
    assert '<span class="badge ok">running</span>' in card
    assert "9,350.00 USDT" in card
    assert re.search(r"<td>BTC/USDT</td> <td[^>]*>0.01</td> <td[^>]*>65,000.00</td> <td[^>]*>650.00</td>", card)
    assert '<span class="badge ok">valid</span>' in card
    assert "dev: no hardware quote" in card


def test_a_task_closed_by_its_stop_loss_says_so(client, configured):
    job = cex_job()
    start_task(configured, job, stop_loss_bps=1000)
    fill(configured, job, quantity="0.1", nonce="1")
    fill(configured, job, quantity="0.001", price="30000", nonce="2")  # equity falls 35%

    card = tee_card(client, job)

    assert ">closed</span>" in card
    assert "closed: stop_loss" in card
    assert "6,500.00 USDT" in card
    assert '<span class="badge ok">valid</span>' in card


@pytest.fixture
def tampering_relay(gateway):
    """An HTTP relay in front of the real gateway that raises the USDT balance in every status it
    passes on: a report changed after the enclave signed it, as a compromised host could."""
    with relay_changing_balances(gateway.url, usdt_balance="99999.00") as url:
        yield url


def test_a_report_changed_after_the_enclave_signed_it_is_shown_invalid(client, settings, gateway, tampering_relay):
    job = cex_job()
    start_task(gateway, job)
    settings.TEE_GATEWAY_URL = tampering_relay

    card = tee_card(client, job)

    assert "99,999.00 USDT" in card
    assert '<span class="badge bad">invalid</span>' in card
    assert "valid</span>" not in card.replace("invalid</span>", "")


def test_a_job_the_gateway_does_not_know_is_not_initialised_yet(client, configured):
    card = tee_card(client, cex_job())

    assert "not initialised in the TEE yet" in card
    assert "USDT balance" not in card


def test_a_gateway_that_is_down_is_said_plainly_and_the_page_still_renders_quickly(client, settings):
    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"
    job = cex_job()

    started = time.monotonic()
    card = tee_card(client, job)

    assert time.monotonic() - started < 3
    assert "TEE gateway unreachable" in card
    assert "Traceback" not in card and "httpx" not in card


def test_a_silent_gateway_holds_the_page_no_longer_than_the_probe_timeout(client, settings, silent_gateway):
    settings.TEE_GATEWAY_URL = silent_gateway
    settings.TEE_GATEWAY_TIMEOUT_SECONDS = 30  # the API's read timeout is not what a page waits for
    settings.PROBE_TIMEOUT_SECONDS = 0.5
    job = cex_job()

    started = time.monotonic()
    card = tee_card(client, job)

    assert time.monotonic() - started < 2
    assert "TEE gateway unreachable: it did not answer in time." in card


def test_no_configured_gateway_is_said_on_the_card(client, settings):
    settings.TEE_GATEWAY_URL = ""

    card = tee_card(client, cex_job())

    assert "No TEE gateway is configured" in card


def test_a_job_that_is_not_cex_capital_has_no_tee_card_and_no_chart(client, settings):
    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"
    job = JobFactory(job_id=next(_job_numbers), strategy_type=StrategyType.PROGRAM)

    page = client.get(f"/jobs/{job.job_id}").content.decode()

    assert 'id="tee"' not in page
    assert "snapshot-chart" not in page and "tee_snapshots.js" not in page


def test_the_snapshot_chart_gets_every_snapshot_oldest_first_in_usdc(client, settings):
    settings.TEE_GATEWAY_URL = ""
    job = cex_job()
    SnapshotFactory(job=job, snapshot_ts=T0 + timedelta(hours=4), reported_value=Decimal(10_250_500_000))
    SnapshotFactory(job=job, snapshot_ts=T0, reported_value=Decimal(10_000 * USDC))

    page = client.get(f"/jobs/{job.job_id}").content.decode()

    data = re.search(r'<script id="snapshot-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert json.loads(data.group(1)) == [
        {"time": int(T0.timestamp()), "value": "10000"},
        {"time": int(T0.timestamp()) + 4 * 3600, "value": "10250.5"},
    ]
    assert "Reported value (USDC)" in page
    assert "js/tee_snapshots.js" in page and "lightweight-charts.standalone.production.js" in page
    # the table stays below the chart, with the exact amounts
    assert page.index("data-snapshot-chart") < page.index("10,250.500000")


def test_a_job_without_snapshots_shows_the_empty_state_instead_of_a_chart(client, settings):
    settings.TEE_GATEWAY_URL = ""

    page = client.get(f"/jobs/{cex_job().job_id}").content.decode()

    assert "No snapshots yet" in page
    assert "data-snapshot-chart" not in page and "tee_snapshots.js" not in page
