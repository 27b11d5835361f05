"""The Django app on a threaded WSGI server in this process, for requests that must race.

    with threaded_wsgi_server() as base_url:
        responses = post_together(f"{base_url}/api/auth/login", bodies)

Like pytest-django's live_server (same process, so `settings` overrides apply), but with a
listen backlog that takes fifty connections at once; the live server's ten reset the rest.
Each request runs in its own thread with its own database connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application


class _RacingServer(ThreadedWSGIServer):
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def threaded_wsgi_server() -> Iterator[str]:
    server = _RacingServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def post_together(url: str, bodies: list[dict], *, headers: dict[str, str] | None = None) -> list[httpx.Response]:
    """POST every body at once: one thread each, all released by a barrier once connected."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict) -> httpx.Response:
        with httpx.Client(timeout=60, headers=headers) as client:
            barrier.wait()
            return client.post(url, json=body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))
