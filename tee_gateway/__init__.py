"""The dev TEE gateway: a stand-in for the enclave of seed 000, run as its own process.

It does what the enclave does except the hardware attestation, with real cryptography: a
secp256k1 enclave key (from a local key file, or from a dstack guest agent), ECIES-decrypted CEX
API keys that never leave it, provider-signed orders (EIP-191) filled on its own paper book, and
balance reports signed by the enclave key. It imports nothing of Django, as a real enclave would
share nothing with the backend. Run it with `python -m tee_gateway` (the Procfile's `tee`).
See README.md ("TEE gateway") for its HTTP surface and message formats.
"""
