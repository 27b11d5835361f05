"""`python -m prover`: the Groth16 prover (the Procfile's `prover`).

Environment: PROVER_HOST (127.0.0.1), PROVER_PORT (7400), PROVER_STATE_DIR (var/prover: the
journal), GROTH16_BUILD_DIR (var/groth16: the setup's outputs, made by `manage.py groth16_setup`),
PROVER_PROOF_TIMEOUT_SECONDS (300)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from prover.ceremony import CIRCUITS, ROOT, artifacts
from prover.server import serve
from prover.store import Journal
from prover.worker import Worker


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="prover %(levelname)s %(message)s")
    log = logging.getLogger("prover")
    circuits = {name: artifacts(name) for name in CIRCUITS}
    missing = [name for name, built in circuits.items() if not built.complete()]
    if missing:
        log.error("no trusted setup for %s: run `python manage.py groth16_setup` first", ", ".join(missing))
        return 2
    journal = Journal(Path(os.environ.get("PROVER_STATE_DIR") or ROOT / "var" / "prover"))
    worker = Worker(journal, circuits, timeout=float(os.environ.get("PROVER_PROOF_TIMEOUT_SECONDS", "300")))
    worker.start()
    host, port = os.environ.get("PROVER_HOST", "127.0.0.1"), int(os.environ.get("PROVER_PORT", "7400"))
    server = serve(
        journal, worker, {name: built.directory.name for name, built in circuits.items()}, host=host, port=port
    )
    threading.Thread(target=server.serve_forever, name="prover-http", daemon=True).start()
    log.info(
        "listening on http://%s:%s (%s)", host, port, ", ".join(f"{n} {c.directory.name}" for n, c in circuits.items())
    )
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    # A proof being made is abandoned, still PROVING in the journal: the next start makes it.
    server.shutdown()
    worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
