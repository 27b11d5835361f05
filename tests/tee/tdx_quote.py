"""A TDX quote (DCAP v4) built byte by byte: well formed enough for dcap-qvl to parse, with a
report data of our choosing, but signed by nobody (zero signatures, a certificate that is not
one). It stands in for a real enclave's quote, which needs TDX hardware that is not here, so the
tests can reach each step of the verification and see it fail with a reason."""

from __future__ import annotations

import struct

TDX_TEE_TYPE = 0x81
ECDSA_P256 = 2
INTEL_QE_VENDOR_ID = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")
TD_REPORT_LEN = 584
REPORT_DATA_OFFSET = 520  # the last 64 bytes of a TD report 1.0
QE_REPORT_CERT_DATA = 6
PCK_CHAIN_CERT_DATA = 5


def unsigned_tdx_quote(report_data: bytes) -> bytes:
    header = struct.pack("<HHIHH", 4, ECDSA_P256, TDX_TEE_TYPE, 0, 0) + INTEL_QE_VENDOR_ID + bytes(20)
    body = bytearray(TD_REPORT_LEN)
    body[REPORT_DATA_OFFSET:] = report_data.ljust(64, b"\0")
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    pck_chain = struct.pack("<HI", PCK_CHAIN_CERT_DATA, len(pem)) + pem
    qe_report = bytes(384) + bytes(64) + struct.pack("<H", 32) + bytes(32) + pck_chain
    certification = struct.pack("<HI", QE_REPORT_CERT_DATA, len(qe_report)) + qe_report
    signature_data = bytes(64) + bytes(64) + certification
    return header + bytes(body) + struct.pack("<I", len(signature_data)) + signature_data
