"""`python -m tee_gateway`: the dev TEE gateway (the Procfile's `tee`).

Environment: TEE_GATEWAY_HOST (127.0.0.1), TEE_GATEWAY_PORT (7300), TEE_GATEWAY_STATE_DIR
(var/tee), TEE_ATTESTATION (dev | dstack), TEE_DSTACK_ENDPOINT (the guest agent, for dstack),
TEE_GATEWAY_SWEEP_SECONDS (5: how often due tasks are closed)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from tee_gateway.attestation import provider_from_env
from tee_gateway.book import Book
from tee_gateway.server import serve
from tee_gateway.store import connect

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="tee %(levelname)s %(message)s")
    env = dict(os.environ)
    state_dir = Path(env.get("TEE_GATEWAY_STATE_DIR") or ROOT / "var" / "tee")
    attestation = provider_from_env(env, state_dir).attest()
    book = Book(connection=connect(state_dir), attestation=attestation)
    host, port = env.get("TEE_GATEWAY_HOST", "127.0.0.1"), int(env.get("TEE_GATEWAY_PORT", "7300"))
    server = serve(book, host=host, port=port, sweep_seconds=float(env.get("TEE_GATEWAY_SWEEP_SECONDS", "5")))
    logging.getLogger("tee_gateway").info(
        "listening on http://%s:%s (attestation %s, key %s)",
        host,
        port,
        attestation.attestation_type,
        attestation.address,
    )
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
