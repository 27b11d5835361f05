"""The prover's HTTP surface (stdlib only, like the TEE gateway's), the dialect of
apps/jobs/prover_client.py:

    GET  /health             {"status": "ok", "circuits": {name: digest}, "waiting": n}
    POST /proofs             a request (prover/statements.py) -> 202 {"proofId"}; the same
                             callbackRef always answers the same proofId (201 never: 202 both times)
    GET  /proofs/{proofId}   {"state": "PROVING" | "READY" | "FAILED", "proof", "publicInputs",
                              "publicSignals", "circuit", "provingMs", "passed" (CEX_CAPITAL), "error"}

`proof` is 0x hex of the verifier's (a, b, c) as 8 words; `publicInputs` 0x hex of the public
signals as words, in the circuit's order (outputs first). Errors are {"error": "..."} with 400,
404, 413 or 500.
"""

from __future__ import annotations

import json
import logging
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prover.statements import BadRequest, parse_request
from prover.store import Journal
from prover.worker import Worker

logger = logging.getLogger("prover")
MAX_BODY_BYTES = 64 * 1024
_PROOF = re.compile(r"^/proofs/([0-9a-f]{32})$")


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def proof_body(row: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"state": row["state"], "circuit": row["circuit"], "provingMs": row["proving_ms"]}
    if row["state"] == "READY":
        signals = json.loads(row["public_signals"])
        body.update(proof=row["proof"], publicInputs=row["public_inputs"], publicSignals=signals)
        if row["circuit"] == "cex_capital":
            body["passed"] = signals[0] == "1"
    elif row["state"] == "FAILED":
        body["error"] = row["error"]
    return body


def make_handler(journal: Journal, worker: Worker, digests: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "aacp-prover"

        def log_message(self, format: str, *args: Any) -> None:
            logger.info("%s %s", self.command, self.path)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                raise HttpError(413, "The body is over 64 KiB.")
            try:
                return json.loads(self.rfile.read(length) or b"null")
            except (ValueError, UnicodeDecodeError):
                raise HttpError(400, "The body is not JSON.") from None

        def _answer(self, action: Any) -> None:
            try:
                status, body = action()
            except HttpError as exc:
                status, body = exc.status, {"error": exc.message}
            except BadRequest as exc:
                status, body = 400, {"error": str(exc)}
            except Exception:
                logger.exception("%s %s failed", self.command, self.path)
                status, body = 500, {"error": "The prover failed; nothing was recorded."}
            self._send(status, body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            if path == "/health":
                self._answer(lambda: (200, {"status": "ok", "circuits": digests, "waiting": worker.waiting}))
            elif match := _PROOF.match(path):
                self._answer(lambda: self._get(match.group(1)))
            else:
                self._answer(lambda: (404, {"error": f"No route GET {path}."}))

        def _get(self, proof_id: str) -> tuple[int, dict[str, Any]]:
            row = journal.get(proof_id)
            if row is None:
                raise HttpError(404, f"No proof {proof_id}.")
            return 200, proof_body(row)

        def do_POST(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            if path == "/proofs":
                self._answer(self._submit)
            else:
                self._answer(lambda: (404, {"error": f"No route POST {path}."}))

        def _submit(self) -> tuple[int, dict[str, Any]]:
            statement = parse_request(self._body())
            # Journaled (committed) before it is queued or answered: see prover/store.py.
            proof_id, created = journal.record(statement)
            if created:
                worker.enqueue(proof_id)
            return 202, {"proofId": proof_id}

    return Handler


def serve(journal: Journal, worker: Worker, digests: dict[str, str], *, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(journal, worker, digests))
    server.daemon_threads = True
    return server
