"""Hardware quote verification (apps/tee/quotes.py, dcap-qvl): every way a quote can fail is a
verdict with a reason a user can read, never an exception or a 500."""

from __future__ import annotations

import hashlib

import dcap_qvl
import pytest
from eth_keys import keys

from apps.tee.quotes import check_quote
from tests.tee.tdx_quote import unsigned_tdx_quote

ENCLAVE = keys.PrivateKey(b"\x05" * 32)
PUBKEY = "0x04" + ENCLAVE.public_key.to_bytes().hex()
BOUND = hashlib.sha256(bytes.fromhex(PUBKEY[2:])).digest()


def quote_hex(report_data: bytes = BOUND) -> str:
    return "0x" + unsigned_tdx_quote(report_data).hex()


def bogus_collateral():
    return dcap_qvl.QuoteCollateralV3("", b"", b"", "", "{}", b"", "", "{}", b"")


def test_a_dev_gateway_has_no_quote_and_says_so():
    check = check_quote(quote_hex=None, tee_pubkey=PUBKEY)

    assert check.verdict == "no_quote"
    assert "dev attestation" in check.detail


@pytest.mark.parametrize(
    ("quote", "reason"),
    [
        ("0xnothex", "not hex"),
        ("0x" + "04000200" + "ab" * 60, "not a TDX or SGX quote: Failed to parse quote: Invalid TEE type"),
        ("0x0400", "not a TDX or SGX quote"),
    ],
)
def test_bytes_that_are_not_a_quote_are_invalid_with_the_reason(quote, reason):
    check = check_quote(quote_hex=quote, tee_pubkey=PUBKEY)

    assert check.verdict == "invalid"
    assert reason in check.detail


def test_a_quote_bound_to_another_key_is_invalid():
    check = check_quote(quote_hex=quote_hex(b"\x01" * 32), tee_pubkey=PUBKEY)

    assert check.verdict == "invalid"
    assert check.detail == "the quote's report data is not sha256 of the attested public key"


def test_without_a_pccs_a_well_formed_quote_is_unverifiable_not_valid(settings):
    settings.TEE_PCCS_URL = ""

    check = check_quote(quote_hex=quote_hex(), tee_pubkey=PUBKEY)

    assert check.verdict == "unverifiable"
    assert "TEE_PCCS_URL" in check.detail


def test_collateral_that_cannot_be_had_leaves_the_quote_unverifiable(settings):
    settings.TEE_PCCS_URL = "http://127.0.0.1:9"  # nothing listens; the PCK certificate fails first anyway
    settings.TEE_PCCS_TIMEOUT_SECONDS = 2

    check = check_quote(quote_hex=quote_hex(), tee_pubkey=PUBKEY)

    assert check.verdict == "unverifiable"
    assert check.detail.startswith("collateral unavailable: Failed to get collateral")


def test_a_quote_that_fails_dcap_verification_is_invalid_with_the_libraries_reason():
    check = check_quote(quote_hex=quote_hex(), tee_pubkey=PUBKEY, collateral=bogus_collateral(), now=1_800_000_000)

    assert check.verdict == "invalid"
    assert check.detail.startswith("quote verification failed: Verification failed:")
    assert check.tcb_status is None
    assert check.as_json()["advisory_ids"] == []
