"""The platform's real processes (daphne, a Celery worker) on loopback, for a test.

    with daphne(tmp_path, port) as web, celery_worker(tmp_path, node) as worker:
        web.wait_ready(timeout=30)
        worker.wait_ready(timeout=60)
        ...

Leaving the `with` block stops every process that was started, whatever happened.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

LOOPBACK = "127.0.0.1"
BIN = Path(settings.BASE_DIR) / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def child_database_url() -> str:
    """DATABASE_URL naming the test database this process uses, for a child process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        user = f"{quote(db['USER'], safe='')}{password}@" if db.get("USER") else ""
        return f"postgres://{user}{db['HOST'] or LOOPBACK}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(f"no DATABASE_URL for {db['ENGINE']}")


def child_env() -> dict[str, str]:
    """This process's environment (so the same SECRET_KEY), on the same Redis and test database."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": child_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    # Browser tests set this for their own process; a server under test keeps Django's guard.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


class Process:
    """A child process logging to a file; its log is shown when it fails to come up."""

    def __init__(
        self, name: str, argv: list[str], log: Path, *, ready: Callable[[], bool], env: dict[str, str] | None = None
    ) -> None:
        self.name, self.argv, self.log, self.ready = name, argv, log, ready
        self.env = env or {}
        self.popen: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv, cwd=settings.BASE_DIR, env={**child_env(), **self.env}, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=5)

    def kill(self) -> None:
        """Stop it at once (SIGKILL), as a crash would; `with` may start it again."""
        assert self.popen is not None, "start it with `with` first"
        self.popen.kill()
        self.popen.wait(timeout=10)

    def output(self, last: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-last:]

    def wait_ready(self, *, timeout: float) -> None:
        assert self.popen is not None, "start it with `with` first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.output()}")
            if self.ready():
                return
            time.sleep(0.2)
        raise AssertionError(f"{self.name} was not ready within {timeout}s:\n{self.output()}")


def daphne(log_dir: Path, port: int, *, env: dict[str, str] | None = None) -> Process:
    """The WebSocket server, ready once it accepts connections on the port. `env` overrides
    child_env(), e.g. `{"REDIS_URL": ...}` for a Redis of the test's own."""
    argv = [str(BIN / "daphne"), "--bind", LOOPBACK, "--port", str(port), "config.asgi:application"]
    return Process("daphne", argv, log_dir / "daphne.log", ready=lambda: port_open(port), env=env)


def gunicorn(log_dir: Path, port: int, *, env: dict[str, str] | None = None) -> Process:
    """The WSGI server as the Procfile runs it (two workers), ready once it accepts connections."""
    argv = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{LOOPBACK}:{port}", "--workers", "2", "--timeout", "60"]
    return Process("gunicorn", argv, log_dir / "gunicorn.log", ready=lambda: port_open(port), env=env)


def redis_server(log_dir: Path, port: int, *, binary: str = "redis-server") -> Process:
    """A Redis of the test's own on `port` (never the shared one), keeping nothing on disk, so a
    restart comes back empty as a crashed production Redis without persistence would."""
    argv = [binary, "--bind", LOOPBACK, "--port", str(port), "--save", "", "--appendonly", "no"]
    return Process("redis-server", argv, log_dir / f"redis-{port}.log", ready=lambda: port_open(port))


def celery_worker(log_dir: Path, node: str, *, env: dict[str, str] | None = None) -> Process:
    """A worker named `node`, ready once it answers a ping through its broker (`env`'s REDIS_URL
    when given, else this process's)."""
    argv = [str(BIN / "celery"), "-A", "config", "worker", "--pool", "solo", "--concurrency", "1"]
    argv += ["--hostname", node, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"]

    broker = (env or {}).get("REDIS_URL")

    def answers_ping() -> bool:
        if broker is None:
            return bool(celery_app.control.ping(destination=[node], timeout=0.5))
        with celery_app.connection_for_write(broker) as connection:
            return bool(celery_app.control.ping(destination=[node], timeout=0.5, connection=connection))

    return Process("celery worker", argv, log_dir / "celery.log", ready=answers_ping, env=env)
