"""Redis down: every API request that needs it answers 503 naming the part, and all of it works
again once Redis is back, in the same process.

These tests run their own redis-server (never the shared one), stop it and start it again on
the same port, and point the cache, the readiness probe and a Celery producer at it.
"""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.throttling import UNAVAILABLE_MESSAGE
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import require_binary
from tests.core.servers import LOOPBACK, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

CACHE_MESSAGE = "Redis (cache) unavailable; try again shortly."
CACHE_ERROR = {"code": "CACHE_UNAVAILABLE", "message": CACHE_MESSAGE}
BROKER_MESSAGE = "Task broker unavailable; try again shortly."


class RedisProcess:
    """A redis-server of this test's own, without persistence, that can stop and come back."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        probe = redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                probe.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(settings, tmp_path):
    server = RedisProcess(require_binary("redis-server"), tmp_path)
    server.start()
    # Changing CACHES makes Django drop its cache connections, so the next use dials this server.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    settings.REDIS_URL = server.url
    try:
        yield server
    finally:
        server.stop()


# A Celery producer on the test's own Redis, for the view below; the platform's app keeps its
# broker connection for the whole process, so it is not repointed.
PRODUCER: dict[str, Celery] = {}


@pytest.fixture
def producer(own_redis):
    app = Celery("outage-test", set_as_current=False)
    app.conf.broker_url = own_redis.url
    # kombu retries a refused connection for ~6 s by default; one quick retry keeps the test short.
    app.conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    PRODUCER["app"] = app
    yield app
    PRODUCER.clear()
    app.close()


class CacheReader(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"value": cache.get("outage-probe")})


class TaskSender(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        PRODUCER["app"].send_task("apps.core.tasks.relay_stream_event", args=["ticker.BTC_USDT", {}])
        return Response({"queued": True}, status=202)


def plain_cache_reader(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"value": cache.get("outage-probe")})


outage_routes = [
    path("cache", CacheReader.as_view()),
    path("plain", plain_cache_reader),
    path("enqueue", TaskSender.as_view()),
]

urlpatterns = [
    path("api/v1/jobs/outage/", include(outage_routes)),
    path("api/v1/trades/outage/", include(outage_routes)),
    path("api/droids/outage/", include(outage_routes)),
    path("", include("config.urls")),
]


def login(api, email: str = "trader@example.com", password: str = "wrong-password-x"):
    return api.post("/api/auth/login", {"email": email, "password": password}, format="json")


def outage_log(caplog) -> list[logging.LogRecord]:
    """Every line at WARNING or above, Django's own request log included."""
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


SIGN_IN_CALLS = [
    ("post", "/api/auth/login", {"email": "a@example.com", "password": "wrong-password-x"}),
    ("post", "/api/auth/register", {"email": "a@example.com", "password": "a-long-passphrase-42"}),
    ("get", "/api/v1/auth/nonce", None),
    ("post", "/api/v1/auth/verify-siwe", {"message": "x", "signature": "0x00"}),
]
APP_BODY = {"error": UNAVAILABLE_MESSAGE, "code": "503"}
DESK_BODY = {"error": {"code": "RATE_LIMIT_UNAVAILABLE", "message": UNAVAILABLE_MESSAGE}}


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [(*call, APP_BODY if call[1].startswith("/api/auth/") else DESK_BODY) for call in SIGN_IN_CALLS],
)
def test_sign_in_answers_503_naming_the_rate_limit_store_while_redis_is_down(
    api, own_redis, caplog, method, url, body, expected
):
    own_redis.stop()
    with caplog.at_level(logging.INFO):
        response = getattr(api, method)(url, body, format="json")
    assert response.status_code == 503
    assert response.json() == expected
    [line] = outage_log(caplog)
    assert line.levelno == logging.WARNING
    assert UNAVAILABLE_MESSAGE in line.getMessage()
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/jobs/outage/cache", {"success": False, "error": CACHE_ERROR}),
        ("/api/v1/trades/outage/cache", {"error": CACHE_ERROR}),
        ("/api/droids/outage/cache", {"error": CACHE_MESSAGE, "code": "503"}),
        ("/api/v1/trades/outage/plain", {"error": CACHE_ERROR}),
    ],
)
def test_any_other_redis_outage_under_an_api_path_is_a_503_naming_redis(api, own_redis, caplog, url, expected):
    assert api.get(url).status_code == 200
    own_redis.stop()
    with caplog.at_level(logging.INFO):
        response = api.get(url)
    assert response.status_code == 503
    assert response.json() == expected
    [line] = outage_log(caplog)
    assert line.levelno == logging.WARNING
    assert CACHE_MESSAGE in line.getMessage()
    assert not any(r.exc_info for r in caplog.records)


def test_a_task_that_cannot_be_queued_is_a_503_naming_the_broker(api, producer, own_redis, caplog):
    assert api.post("/api/v1/jobs/outage/enqueue").status_code == 202
    own_redis.stop()
    with caplog.at_level(logging.INFO):
        response = api.post("/api/v1/jobs/outage/enqueue")
    assert response.status_code == 503
    assert response.json() == {"success": False, "error": {"code": "BROKER_UNAVAILABLE", "message": BROKER_MESSAGE}}
    [line] = outage_log(caplog)
    assert BROKER_MESSAGE in line.getMessage()
    assert not any(r.exc_info for r in caplog.records)
    own_redis.start()
    assert api.post("/api/v1/jobs/outage/enqueue").status_code == 202


def test_readiness_fails_while_redis_is_down_and_passes_once_it_is_back(api, own_redis):
    assert api.get("/health/ready").json()["checks"]["redis"] == "ok"
    own_redis.stop()
    down = api.get("/health/ready")
    assert down.status_code == 503
    assert down.json()["checks"]["redis"].startswith("error")
    assert "redis" in down.json()["error"]["message"]
    own_redis.start()
    assert api.get("/health/ready").json()["checks"]["redis"] == "ok"


def test_sign_in_works_again_when_redis_returns_without_a_restart(api, own_redis, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 2
    UserFactory(email="trader@example.com")
    assert login(api).status_code == 401
    own_redis.stop()
    assert login(api).status_code == 503
    assert login(api, password=PASSWORD).status_code == 503
    own_redis.start()
    assert api.get("/api/v1/auth/nonce").status_code == 200
    # The counts start again on the fresh server, and they count.
    assert [login(api).status_code for _ in range(3)] == [401, 401, 429]


def test_a_connection_left_idle_across_a_redis_restart_does_not_fail_the_next_request(api, own_redis):
    UserFactory(email="trader@example.com")
    assert login(api, password=PASSWORD).status_code == 200
    own_redis.stop()
    own_redis.start()
    assert login(api, password=PASSWORD).status_code == 200
