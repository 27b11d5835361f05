"""The gateway's HTTP surface (stdlib only: no framework to trust inside an enclave image).

    GET  /health                  {"status": "ok", "attestation_type": ...}
    GET  /attestation             {"tee_pubkey": "0x04...", "attestation_type": "dev", ...}
    POST /jobs                    job init (the backend's proxy passes what it checked on-chain)
    POST /jobs/{jobId}/orders     a provider-signed order
    GET  /jobs/{jobId}/status     state, closed_reason, balance_report, enclave_signature

Errors are {"success": false, "error": {"code", "message"}} (the agent-jobs family, so the
backend can pass them through), with 400, 401, 404, 409 or 500. The request body is never
logged: it holds the encrypted API key."""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tee_gateway.book import Book, GatewayError

logger = logging.getLogger("tee_gateway")
MAX_BODY_BYTES = 64 * 1024
_ORDERS = re.compile(r"^/jobs/([^/]+)/orders$")
_STATUS = re.compile(r"^/jobs/([^/]+)/status$")


def make_handler(book: Book) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "aacp-tee-gateway"

        def log_message(self, format: str, *args: Any) -> None:
            logger.info("%s %s", self.command, self.path.split("?")[0])

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"success": False, "error": {"code": code, "message": message}})

        def _json_body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                raise GatewayError(400, "BODY_TOO_LARGE", "The body is over 64 KiB.")
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except (ValueError, UnicodeDecodeError):
                raise GatewayError(400, "INVALID_JSON", "The body is not JSON.") from None
            if not isinstance(body, dict):
                raise GatewayError(400, "INVALID_JSON", "The body must be a JSON object.")
            return body

        def _dispatch(self, routes: list[tuple[re.Pattern[str] | str, Any]]) -> None:
            path = self.path.split("?")[0].rstrip("/") or "/"
            try:
                for route, action in routes:
                    match = re.match(route if isinstance(route, re.Pattern) else f"^{re.escape(route)}$", path)
                    if match:
                        self._send(200, action(*match.groups()))
                        return
                raise GatewayError(404, "NOT_FOUND", f"No route {self.command} {path}.")
            except GatewayError as exc:
                self._error(exc.status, exc.code, exc.message)
            except Exception:
                logger.exception("%s %s failed", self.command, path)
                self._error(500, "INTERNAL_ERROR", "The gateway failed; nothing was changed.")

        def do_GET(self) -> None:
            self._dispatch(
                [
                    ("/health", lambda: {"status": "ok", "attestation_type": book.attestation.attestation_type}),
                    ("/attestation", book.attestation.public),
                    (_STATUS, book.status),
                ]
            )

        def do_POST(self) -> None:
            self._dispatch(
                [
                    ("/jobs", lambda: book.init_task(self._json_body())),
                    (_ORDERS, lambda job_id: book.place_order(job_id, self._json_body())),
                ]
            )

    return Handler


def serve(book: Book, *, host: str, port: int, sweep_seconds: float) -> ThreadingHTTPServer:
    """Starts serving in background threads (the HTTP server and the sweeper) and returns the
    server; `server.shutdown()` stops it."""
    server = ThreadingHTTPServer((host, port), make_handler(book))
    server.daemon_threads = True
    stop = threading.Event()

    def sweeper() -> None:
        while not stop.wait(sweep_seconds):
            try:
                book.sweep()
            except Exception:  # the next sweep tries again; one bad pass must not stop them
                logger.exception("sweep failed")

    threading.Thread(target=server.serve_forever, name="tee-http", daemon=True).start()
    threading.Thread(target=sweeper, name="tee-sweeper", daemon=True).start()
    original_shutdown = server.shutdown

    def shutdown() -> None:
        stop.set()
        original_shutdown()
        server.server_close()

    server.shutdown = shutdown  # type: ignore[method-assign]
    return server
