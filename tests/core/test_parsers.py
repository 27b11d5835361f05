"""Request bodies: every API view parses with apps.core.parsers, a hostile body is a 400, and a
body past Django's upload limits is a 413, each in the family's envelope and without an error in
the log; pages keep Django's own answers."""

from __future__ import annotations

import io
import logging
import socket
from decimal import Decimal

import httpx
import pytest
from asgiref.testing import ApplicationCommunicator
from django.test.client import MULTIPART_CONTENT, encode_multipart
from django.urls import URLResolver, get_resolver
from rest_framework.exceptions import ParseError
from rest_framework.views import APIView

from apps.core import parsers
from apps.core.errors import family_for_path
from apps.trades.api.orders import ExactNumberJSONParser
from tests.accounts.factories import bearer, sign_in
from tests.core.servers import BIN, LOOPBACK, Process, free_port, port_open

JOBS, DESK, APP = "/api/v1/jobs", "/api/v1/trades", "/api/droids"
DEEP = '{"a":' * 5000 + "1" + "}" * 5000


def envelope(path, response):
    """(status, code, message) out of the path's family envelope, asserting its shape."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    if path.startswith(JOBS):
        assert body["success"] is False
        return response.status_code, body["error"]["code"], body["error"]["message"]
    if path.startswith("/api/v1/"):
        assert set(body) == {"error"}
        return response.status_code, body["error"]["code"], body["error"]["message"]
    assert body["code"] == str(response.status_code)
    return response.status_code, body["code"], body["error"]


def _status_and_message(path, response):
    status, _code, message = envelope(path, response)
    return status, message


@pytest.fixture
def quiet_log(caplog):
    """Fails the test if anything is logged at ERROR or with a traceback."""
    caplog.set_level(logging.WARNING)
    yield
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [f"{r.levelname} {r.name}: {r.getMessage()[:200]}" for r in loud]


# --- by construction ----------------------------------------------------------------------------


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        view = getattr(pattern.callback, "cls", None)
        route = "/" + prefix + str(pattern.pattern)
        if isinstance(view, type) and issubclass(view, APIView) and family_for_path(route):
            yield route, view(**getattr(pattern.callback, "initkwargs", {}))


def test_every_api_view_parses_with_the_platforms_parsers():
    ours = (parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser)
    views = list(_api_views(get_resolver().url_patterns))
    assert len(views) > 30
    strays = {
        route: [type(parser).__name__ for parser in view.get_parsers() if not isinstance(parser, ours)]
        for route, view in views
    }
    assert not {route: names for route, names in strays.items() if names}


# --- JSON ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/auth/login"), ("post", "/api/v1/auth/verify-siwe"), ("post", "/api/v1/jobs/1/offers")],
)
def test_it_answers_400_for_5000_levels_of_nesting(api, quiet_log, method, path):
    response = getattr(api, method)(path, DEEP, content_type="application/json")
    status, _code, message = envelope(path, response)
    assert status == 400
    assert "nested deeper than 32 levels" in message


@pytest.mark.django_db
def test_it_answers_400_to_a_malformed_body_a_view_never_reads(api, quiet_log, user):
    response = api.post("/api/auth/logout", '{"a": ', content_type="application/json", **bearer(sign_in(user)))
    assert envelope("/api/auth/logout", response)[0] == 400
    response = api.post("/api/auth/logout", "<a/>", content_type="application/xml", **bearer(sign_in(user)))
    assert envelope("/api/auth/logout", response)[0] == 415


@pytest.mark.django_db
def test_the_order_parser_answers_400_to_a_charset_that_is_not_text(api, quiet_log, user):
    # bz2_codec would decompress a small body into a big one; the order parser used to 500 on it.
    headers = bearer(sign_in(user))
    response = api.post("/api/orders", "{}", content_type="application/json; charset=bz2_codec", **headers)
    status, _code, message = envelope("/api/orders", response)
    assert status == 400
    assert "charset" in message


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (DEEP, "nested deeper than 32 levels"),
        ('{"a":' * 33 + "1" + "}" * 33, "nested deeper than 32 levels"),
        ('{"a": "x\\u0000y"}', "NUL"),
        ('{"\\u0000": 1}', "NUL"),
        ('{"a": NaN}', "NaN is not a number"),
        ('{"a": -Infinity}', "-Infinity is not a number"),
        ('{"a": 1' + "0" * 5000 + "}", "JSON parse error"),
        (b'{"a": "\xff"}', "JSON parse error"),
    ],
)
@pytest.mark.parametrize("parser", [parsers.JSONParser(), ExactNumberJSONParser()], ids=["json", "exact numbers"])
def test_the_json_parsers_refuse_what_no_endpoint_can_store(parser, text, complaint):
    body = text if isinstance(text, bytes) else text.encode()
    with pytest.raises(ParseError, match=complaint):
        parser.parse(io.BytesIO(body), "application/json", {})


def test_a_number_past_floats_range_is_refused_or_read_exactly():
    with pytest.raises(ParseError, match="number 1e400 is out of range"):
        parsers.JSONParser().parse(io.BytesIO(b'{"a": 1e400}'), "application/json", {})
    # The order parser reads Decimal, which has the range; the order's own limits refuse it.
    assert ExactNumberJSONParser().parse(io.BytesIO(b'{"a": 1e400}'), "application/json", {}) == {"a": Decimal("1e400")}


def test_the_json_parsers_read_what_the_api_takes():
    body = b'{"a": [{"b": 0.1, "c": 1e308, "d": 100000000000000000000}], "e": "\\u00e9"}'
    assert parsers.JSONParser().parse(io.BytesIO(body), "application/json", {}) == {
        "a": [{"b": 0.1, "c": 1e308, "d": 10**20}],
        "e": "é",
    }
    exact = ExactNumberJSONParser().parse(io.BytesIO(body), "application/json", {})
    assert exact["a"][0]["b"] == Decimal("0.1") and isinstance(exact["a"][0]["b"], Decimal)
    nested = '{"a":' * 31 + "1" + "}" * 31
    assert parsers.JSONParser().parse(io.BytesIO(nested.encode()), "application/json", {})


# --- forms and multipart ------------------------------------------------------------------------

form_families = pytest.mark.parametrize("family", [JOBS, DESK, APP])


@pytest.mark.urls("tests.core.body_urls")
@form_families
def test_forms_and_multipart_parse_within_the_limits(api, quiet_log, family):
    response = api.post(f"{family}/echo", "a=1&b=2", content_type="application/x-www-form-urlencoded")
    assert response.json() == {"fields": ["a", "b"], "files": []}
    response = api.post(f"{family}/echo", {"a": "1", "upload": io.BytesIO(b"bytes")})
    assert response.json() == {"fields": ["a", "upload"], "files": ["upload"]}


@pytest.mark.urls("tests.core.body_urls")
@form_families
@pytest.mark.parametrize("view", ["echo", "plain-form"])
def test_it_answers_413_for_too_many_form_fields(api, quiet_log, settings, family, view):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    path = f"{family}/{view}"
    response = api.post(path, "&".join(f"f{i}=1" for i in range(11)), content_type="application/x-www-form-urlencoded")
    status, code, message = envelope(path, response)
    assert (status, message) == (413, "The request has more than 10 fields.")
    if family != APP:
        assert code == "PAYLOAD_TOO_LARGE"
    response = api.post(path, {f"f{i}": "1" for i in range(11)})
    assert _status_and_message(path, response) == (413, "The request has more than 10 fields.")


@pytest.mark.urls("tests.core.body_urls")
@form_families
@pytest.mark.parametrize("view", ["echo", "plain-form"])
def test_it_answers_413_for_too_many_files(api, quiet_log, settings, family, view):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    path = f"{family}/{view}"
    response = api.post(path, {f"f{i}": io.BytesIO(b"x") for i in range(3)})
    assert _status_and_message(path, response) == (413, "The request has more than 2 files.")


@pytest.mark.urls("tests.core.body_urls")
@form_families
def test_it_answers_413_for_a_multipart_body_over_the_limit(api, quiet_log, settings, family):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(f"{family}/echo", {"a": "x" * 2000})
    assert _status_and_message(f"{family}/echo", response) == (413, "The request body is larger than 1000 bytes.")


@pytest.mark.urls("tests.core.body_urls")
@form_families
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("a=x%00y", "application/x-www-form-urlencoded"),
        ("a%00=1", "application/x-www-form-urlencoded"),
        (encode_multipart("BoUnDaRyStRiNg", {"a": "x\x00y"}), MULTIPART_CONTENT),
        ("a=1", "application/x-www-form-urlencoded; charset=bz2_codec"),
        ("a=1", "application/x-www-form-urlencoded; charset=no-such-charset"),
    ],
)
def test_forms_answer_400_to_what_no_endpoint_can_store(api, quiet_log, family, body, content_type):
    response = api.post(f"{family}/echo", body, content_type=content_type)
    assert envelope(f"{family}/echo", response)[0] == 400


# --- oversize bodies ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/auth/login"),
        ("post", "/api/orders"),
        ("put", "/api/v1/risk-config"),
        ("post", JOBS + "/1/offers"),
    ],
)
def test_it_answers_413_for_a_body_over_the_limit(api, quiet_log, user, method, path):
    body = '{"a": "' + "x" * 3_000_000 + '"}'
    response = getattr(api, method)(path, body, content_type="application/json", **bearer(sign_in(user)))
    status, _code, message = envelope(path, response)
    assert (status, message) == (413, "The request body is larger than 2621440 bytes.")


def test_it_answers_413_for_a_declared_10_mb_body_without_reading_it(api, quiet_log):
    # The test client's payload refuses to be read past the 2 bytes it holds.
    response = api.generic("POST", "/api/auth/login", "{}", content_type="application/json", CONTENT_LENGTH=str(10**7))
    assert envelope("/api/auth/login", response)[0] == 413


def test_a_page_keeps_djangos_answer_to_an_oversize_body(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.raise_request_exception = False
    response = client.post("/login", {"email": "x" * 2000, "password": "x"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


class _Vanishing(io.RawIOBase):
    """A client that hangs up mid-body: the socket read fails (the test client cannot hang up)."""

    def readinto(self, buffer):
        raise OSError("connection reset by peer")

    def readable(self):
        return True


@pytest.mark.django_db
def test_it_answers_400_when_the_client_hangs_up_mid_body(api, quiet_log):
    response = api.generic(
        "POST",
        "/api/auth/login",
        "",
        content_type="application/json",
        CONTENT_LENGTH="100",
        **{"wsgi.input": _Vanishing()},
    )
    status, _code, message = envelope("/api/auth/login", response)
    assert (status, message) == (400, "The request body could not be read.")


async def test_it_answers_413_for_a_body_over_the_limit_on_asgi(settings):
    """Daphne's path: Django's ASGI handler spools the body to a file, then the limit holds."""
    from config.asgi import django_asgi_app

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/auth/login",
        "raw_path": b"/api/auth/login",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"content-type", b"application/json"), (b"content-length", b"1611")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    app = ApplicationCommunicator(django_asgi_app, scope)
    await app.send_input({"type": "http.request", "body": b'{"email": "' + b"x" * 800, "more_body": True})
    await app.send_input({"type": "http.request", "body": b"x" * 800 + b'"}', "more_body": False})
    start = await app.receive_output(timeout=10)
    body = await app.receive_output(timeout=10)
    assert start["status"] == 413, body
    assert body["body"] == b'{"error": "The request body is larger than 1000 bytes.", "code": "413"}'


@pytest.mark.server
def test_gunicorn_answers_413_before_the_10_mb_arrive(tmp_path):
    port = free_port()
    argv = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{LOOPBACK}:{port}", "--workers", "1"]
    argv += ["--no-control-socket"]
    with Process("gunicorn", argv, tmp_path / "gunicorn.log", ready=lambda: port_open(port)) as server:
        server.wait_ready(timeout=60)
        # The worker imports Django on its first request: wait for that outside the timed part.
        assert httpx.get(f"http://{LOOPBACK}:{port}/health", timeout=60).status_code == 200
        with socket.create_connection((LOOPBACK, port), timeout=10) as conn:
            conn.sendall(
                b"POST /api/v1/risk-config HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10485760\r\n\r\n" + b'{"a": "' + b"x" * 1000
            )
            # Nothing more is sent: a server reading the body first would wait here until the timeout.
            answer = b""
            while chunk := conn.recv(65536):  # the server closes the connection after its answer
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert (
        b'{"error": {"code": "PAYLOAD_TOO_LARGE", "message": "The request body is larger than 2621440 bytes."}}'
        in answer
    )
