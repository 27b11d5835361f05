"""The dstack attestation provider against a local HTTP server speaking the dstack guest agent's
API (POST /GetKey, POST /GetQuote). It stands in for TDX hardware and a dstack OS, which are not
here: what is tested is that the gateway takes its enclave key from the agent and asks for a quote
whose report data is bound to that key."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_keys import keys

from tests.tee.gateway import dev_gateway
from tests.tee.test_proxy import cex_job, init_body, post_init

AGENT_KEY = keys.PrivateKey(b"\x07" * 32)
FAKE_QUOTE = "04000200" + "ab" * 60


class GuestAgent(BaseHTTPRequestHandler):
    quote_requests: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/GetKey":
            answer = {"key": AGENT_KEY.to_bytes().hex(), "signature_chain": ["00" * 65]}
        elif self.path == "/GetQuote":
            GuestAgent.quote_requests.append(body["report_data"])
            answer = {"quote": FAKE_QUOTE, "event_log": "[]", "report_data": body["report_data"], "vm_config": ""}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def guest_agent():
    GuestAgent.quote_requests.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), GuestAgent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_dstack_gateway_attests_the_agent_derived_key_with_a_quote_bound_to_it(tmp_path, guest_agent):
    with dev_gateway(tmp_path / "state", TEE_ATTESTATION="dstack", TEE_DSTACK_ENDPOINT=guest_agent) as gateway:
        body = gateway.get("/attestation").json()

    expected_pubkey = "0x04" + AGENT_KEY.public_key.to_bytes().hex()
    bound = hashlib.sha256(bytes.fromhex(expected_pubkey[2:])).hexdigest()
    assert body["attestation_type"] == "dstack"
    assert body["tee_pubkey"] == expected_pubkey
    assert body["quote"] == "0x" + FAKE_QUOTE
    assert body["report_data"] == "0x" + bound
    assert GuestAgent.quote_requests == [bound]
    assert not (tmp_path / "state" / "enclave.key").exists()  # no local key file in dstack mode


@pytest.mark.django_db
def test_verify_true_on_a_dstack_gateway_reports_a_quote_that_fails_verification(tmp_path, guest_agent, settings, api):
    with dev_gateway(tmp_path / "state", TEE_ATTESTATION="dstack", TEE_DSTACK_ENDPOINT=guest_agent) as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        job = cex_job()
        assert post_init(api, init_body(api, job)).status_code == 200

        response = api.get(f"/api/v1/tee/jobs/{job.job_id}/status?verify=true")

    assert response.status_code == 200
    verification = response.json()["verification"]
    assert verification["valid"] is True  # the enclave signature is the agent-derived key's
    assert verification["attestation_type"] == "dstack"
    assert verification["quote"]["verdict"] == "invalid"
    assert verification["quote"]["detail"] == "not a TDX or SGX quote: Failed to parse quote: Invalid TEE type"
    assert "the hardware quote: not a TDX or SGX quote" in verification["note"]
