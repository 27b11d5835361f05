"""Hostile bodies against every API write endpoint, signed out and as an active admin: only 4xx,
in the path's family envelope, and nothing logged at ERROR or with a traceback.

The endpoints come from the URL conf (every DRF view under an API path with a post, put, patch
or delete handler) and their fields from the generated OpenAPI schema, so a new endpoint or a
new field is attacked without editing this file. Two kinds of bodies:
- whole bodies no endpoint may accept: deep nesting, 10 MB, NUL, NaN and Infinity, numbers
  past every range, malformed JSON, bad charsets, wrong content types;
- per field, on a body that is otherwise well formed: NUL, 1e308, 10^40 as a number and as a
  string, NaN, wrong types (int, list, object, bool, null for a string; a word for a number).
"""

from __future__ import annotations

import json
import logging
import re
import re._constants as _c
import re._parser as _regex_parser
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.services import create_api_token
from apps.core.errors import Family, family_for_path
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
TEN_MB = 10 * 1024 * 1024
JSON = "application/json"


# --- the endpoints ------------------------------------------------------------------------------


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def write_endpoints() -> list[tuple[str, str]]:
    """(METHOD, /route/<with:converters>) of every DRF write handler under an API path."""
    found = []
    for route, pattern in _routes(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        template = "/" + route
        if not (isinstance(view, type) and issubclass(view, APIView)) or family_for_path(template) is None:
            continue
        found.extend((method.upper(), template) for method in WRITE_METHODS if hasattr(view, method))
    return found


ENDPOINTS = write_endpoints()
ENDPOINT_IDS = [f"{method} {route}" for method, route in ENDPOINTS]
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def test_the_walk_finds_the_write_endpoints_of_every_family():
    assert {("POST", "/api/auth/login"), ("PUT", "/api/v1/risk-config"), ("POST", "/api/orders")} <= set(ENDPOINTS)
    assert {family_for_path(route) for _method, route in ENDPOINTS} == set(Family)


# --- the attack ---------------------------------------------------------------------------------


class Attacker:
    """Sends bodies as nobody or as an active admin (Bearer API token), with real ids where a
    row is looked up before the body matters (any other id may well be a 404)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        admin = UserFactory(role=Role.ADMIN)
        paper = FundedPaperAccountFactory(user=admin)
        self.ids = {"userId": str(UserFactory().id), "account_id": str(paper.id), "job_id": "1", "agent_id": "1"}
        self.bearer = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=admin)}"}
        self.client = Client(raise_request_exception=False)
        self.caplog = caplog

    def send(self, method: str, route: str, body: bytes | str, content_type: str, *, signed_in: bool) -> Any:
        path = PARAMETER.sub(lambda m: self.ids.get(m["name"]) or str(uuid.uuid4()), route)
        self.caplog.clear()
        return self.client.generic(method, path, body, content_type=content_type, **(self.bearer if signed_in else {}))

    def __call__(self, method: str, route: str, body: bytes | str, content_type: str, *, signed_in: bool) -> list[str]:
        """What is wrong with the answer to a hostile body: nothing, an empty list, when it is a
        4xx in the path's family envelope and nothing was logged at ERROR or with a traceback."""
        response = self.send(method, route, body, content_type, signed_in=signed_in)
        problems = []
        if not 400 <= response.status_code < 500:
            problems.append(f"answered {response.status_code}: {response.content[:300]!r}")
        elif not _in_envelope(family_for_path(response.wsgi_request.path), response):
            problems.append(f"{response.status_code} outside the family's envelope: {response.content[:300]!r}")
        for record in self.caplog.records:
            if record.levelno >= logging.ERROR or record.exc_info:
                problems.append(f"logged {record.levelname} {record.name}: {record.getMessage()[:200]}")
        return problems


@pytest.fixture
def attack(db, settings, throttle_rates, caplog) -> Attacker:
    # Throttles and lockouts would answer 429 and 423 long before the bodies run out.
    throttle_rates(login="100000/min", register="100000/min", nonce="100000/min", pairing="100000/min")
    settings.LOGIN_LOCKOUT_THRESHOLD = settings.LOGIN_LOCKOUT_EMAIL_THRESHOLD = 10**6
    settings.PAIRING_MAX_FAILURES = 10**6
    caplog.set_level(logging.WARNING)
    return Attacker(caplog)


def _in_envelope(family: Family | None, response: Any) -> bool:
    if not response.get("Content-Type", "").startswith(JSON):
        return False
    body = response.json()
    if family is Family.APP:
        return isinstance(body.get("error"), str) and body.get("code") == str(response.status_code)
    error = body.get("error")
    shaped = isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)
    if family is Family.JOBS:
        return shaped and body.get("success") is False
    return shaped and set(body) == {"error"}


def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


# Whole bodies: (name, body, content type). None of them is a request any endpoint can accept.
WHOLE_BODIES: list[tuple[str, bytes | str, str]] = [
    ("5000 levels of objects", _deep(5000), JSON),
    ("5000 levels of unclosed objects", '{"a":' * 5000, JSON),
    ("5000 levels of arrays", "[" * 5000 + "]" * 5000, JSON),
    ("100 levels", _deep(100), JSON),
    ("10 MB", b'{"a":"' + b"x" * TEN_MB + b'"}', JSON),
    ("NUL in a string", '{"a": "x\\u0000y", "email": "\\u0000"}', JSON),
    ("NUL in a key", '{"\\u0000": 1}', JSON),
    ("NaN", '{"a": NaN}', JSON),
    ("Infinity", '{"a": Infinity}', JSON),
    ("-Infinity", '{"a": -Infinity}', JSON),
    ("1e400", '{"a": 1e400}', JSON),
    ("an integer of 5000 digits", '{"a": 1' + "0" * 5000 + "}", JSON),
    ("malformed JSON", '{"a": ', JSON),
    ("trailing garbage", '{"a": 1} and more', JSON),
    ("not UTF-8", b'{"a": "\xff\xfe"}', JSON),
    ("a compression codec as charset", "{}", f"{JSON}; charset=bz2_codec"),
    ("an unknown charset", "{}", f"{JSON}; charset=no-such-charset"),
    ("text/plain", "hello", "text/plain"),
    ("XML", '<?xml version="1.0"?><a>1</a>', "application/xml"),
    ("a form", "a=1&b=2", "application/x-www-form-urlencoded"),
    ("a form of 5000 fields", "&".join(f"f{i}=1" for i in range(5000)), "application/x-www-form-urlencoded"),
    ("multipart", encode_multipart("BoUnDaRy", {"a": "1"}), MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", "BoUnDaRy")),
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "admin"])
@pytest.mark.parametrize(("method", "route"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_hostile_body_is_a_4xx_in_the_familys_envelope(attack, method, route, signed_in):
    problems = [
        f"{name}: {problem}"
        for name, body, content_type in WHOLE_BODIES
        for problem in attack(method, route, body, content_type, signed_in=signed_in)
    ]
    assert not problems, "\n".join(problems)


# --- field by field -----------------------------------------------------------------------------

# A raw JSON number json.dumps cannot write: the placeholder string is swapped for it.
RAW = "\x01raw:"


@cache
def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return {**_resolve(schema["allOf"][0]), **{k: v for k, v in schema.items() if k != "allOf"}}
    return schema


def body_schema(method: str, route: str) -> dict[str, Any] | None:
    """The JSON request body's schema of an operation, as the API documents it."""
    operation = _schema()["paths"].get(PARAMETER.sub(r"{\g<name>}", route), {}).get(method.lower(), {})
    media = operation.get("requestBody", {}).get("content", {}).get(JSON)
    return _resolve(media["schema"]) if media else None


def _example(schema: dict[str, Any]) -> Any:
    """A value the schema accepts: its example or first enum value, else one made to measure."""
    schema = _resolve(schema)
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return next(value for value in schema["enum"] if value not in ("", None))
    kind, form = schema.get("type"), schema.get("format")
    if kind == "object":
        return {name: _example(prop) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example(schema.get("items", {}))]
    if kind in ("number", "integer"):
        return 1
    if kind == "boolean":
        return True
    if form == "uuid":
        return str(uuid.uuid4())
    if form == "date-time":
        return (timezone.now() + timedelta(days=1)).isoformat()
    if form == "email":
        return "someone@example.com"
    if form == "decimal":
        return "1"
    if "pattern" in schema:
        return _matching(schema["pattern"])
    return "x"


@cache
def _matching(pattern: str) -> str:
    """The shortest string the schema's pattern matches, built from its parse tree (literals,
    classes, repeats, groups and alternatives: what the documented patterns use). For anything
    else "x": the body is then refused for that field too, and the other fields still meet
    their hostile values."""
    try:
        return _shortest(_regex_parser.parse(pattern))
    except NotImplementedError:
        return "x"


def _shortest(tree: Any) -> str:
    out = []
    for op, arg in tree:
        if op is _c.LITERAL:
            out.append(chr(arg))
        elif op is _c.IN:
            out.append(_first_of_class(arg))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, _high, item = arg
            out.append(_shortest(item) * low)
        elif op is _c.SUBPATTERN:
            out.append(_shortest(arg[-1]))
        elif op is _c.BRANCH:
            out.append(min((_shortest(branch) for branch in arg[1]), key=len))
        elif op is _c.ANY:
            out.append("x")
        elif op is not _c.AT:
            raise NotImplementedError(f"no example for the regex operator {op}")
    return "".join(out)


def _first_of_class(items: Any) -> str:
    op, arg = items[0]
    if op is _c.LITERAL:
        return chr(arg)
    if op is _c.RANGE:
        return chr(arg[0])
    if op is _c.CATEGORY and arg is _c.CATEGORY_DIGIT:
        return "0"
    raise NotImplementedError(f"no example for the character class {items}")


TEN_TO_40 = str(10**40)
WRONG_FOR_A_STRING = [("an int", 0), ("a list", []), ("an object", {}), ("a bool", True)]


def hostile_values(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, value) that the field `schema` documents must refuse."""
    schema = _resolve(schema)
    kind, form = schema.get("type"), schema.get("format")
    nullable = schema.get("nullable", False)
    if not nullable:
        yield "null", None
    yield "NaN", f"{RAW}NaN"
    yield "Infinity", f"{RAW}Infinity"
    if kind == "object":
        yield from [("a list", []), ("a string", "x"), ("an int", 0)]
        for name, prop in schema.get("properties", {}).items():
            for label, value in hostile_values(prop):
                yield f"{name} {label}", {**_example(schema), name: value}
    elif kind == "array":
        yield from [("an object", {}), ("a string", "x"), ("an int", 0), ("a list of lists", [[]])]
        for label, value in hostile_values(schema.get("items", {})):
            yield f"an item {label}", [value]
    elif kind in ("number", "integer"):
        yield from [("1e308", f"{RAW}1e308"), ("10^40", f"{RAW}{TEN_TO_40}"), ("-10^40", f"{RAW}-{TEN_TO_40}")]
        yield from [("10^40 as a string", TEN_TO_40), ("a word", "lots"), ("a list", []), ("an object", {})]
    elif kind == "boolean":
        yield from [("a word", "lots"), ("2", 2), ("a list", []), ("an object", {})]
    elif form == "decimal":
        yield from [("1e308", f"{RAW}1e308"), ("10^40", f"{RAW}{TEN_TO_40}"), ("10^40 as a string", TEN_TO_40)]
        yield from [("1e308 as a string", "1e308"), ("NaN as a string", "NaN"), ("a word", "lots")]
        yield from [("a list", []), ("an object", {}), ("a bool", True)]
    else:
        yield "NUL", "x\x00y"
        yield from WRONG_FOR_A_STRING
        if form == "date-time":
            yield from [("a date past year 9999", "9999-12-31T23:59:59-23:59"), ("a word", "soon")]
        elif form == "uuid":
            yield "a word", "not-a-uuid"


def _encoded(body: Any) -> str:
    text = json.dumps(body)
    return re.sub(r'"\\u0001raw:([^"]*)"', r"\1", text)


def field_endpoints() -> list[tuple[str, str]]:
    return [(method, route) for method, route in ENDPOINTS if (body_schema(method, route) or {}).get("properties")]


FIELD_ENDPOINTS = field_endpoints()


def test_the_schema_documents_fields_for_the_writes_that_take_them():
    assert {("POST", "/api/orders"), ("PUT", "/api/v1/risk-config"), ("POST", "/api/v1/trades")} <= set(FIELD_ENDPOINTS)


# Bodies that would pass if nothing were hostile, where the schema's own examples do not: each
# hostile field then meets the service, not only a sibling field's validation error.
WELL_FORMED: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/orders"): {
        "market": "ETH_USDC",
        "side": "BUY",
        "orderType": "LIMIT",
        "quantity": 0.5,
        "price": 2900,
    },
    ("POST", "/api/v1/trades"): {
        "symbol": "BTC_USDT",
        "side": "buy",
        "entry_price": "50000.00",
        "quantity": "0.05",
        "stop_loss_price": "49000.00",
        "take_profit": [{"price": "51500.00", "quantity": "0.05", "order_type": "limit"}],
    },
    ("POST", "/api/v1/exchanges/accounts"): {"exchange_name": "paper", "label": "Practice"},
    ("POST", "/api/auth/register"): {"email": "newcomer@example.com", "password": "an unusual passphrase 7"},
    ("PUT", "/api/v1/risk-config"): {
        "account_risk_percent": 1,
        "max_risk_amount": 100,
        "max_position_size": None,
        "max_leverage": 5,
        "daily_max_drawdown_percent": 5,
        "max_open_positions": 5,
        "require_stop_loss": True,
        "min_risk_reward_ratio": 1,
    },
}


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "admin"])
@pytest.mark.parametrize(("method", "route"), FIELD_ENDPOINTS, ids=[f"{m} {r}" for m, r in FIELD_ENDPOINTS])
def test_a_hostile_field_is_a_4xx_in_the_familys_envelope(attack, method, route, signed_in):
    schema = body_schema(method, route)
    well_formed = {**_example(schema), **WELL_FORMED.get((method, route), {})}
    bodies = [("the body as a list", []), ("the body as a string", "x"), ("the body as null", None)]
    for name, prop in schema["properties"].items():
        bodies.extend((f"{name}: {label}", {**well_formed, name: value}) for label, value in hostile_values(prop))
    problems = [
        f"{label}: {problem}"
        for label, body in bodies
        for problem in attack(method, route, _encoded(body), JSON, signed_in=signed_in)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("method", "route"), list(WELL_FORMED), ids=[f"{m} {r}" for m, r in WELL_FORMED])
def test_the_well_formed_bodies_pass_so_each_hostile_field_meets_the_service(attack, method, route):
    response = attack.send(method, route, json.dumps(WELL_FORMED[(method, route)]), JSON, signed_in=True)
    assert response.status_code in (200, 201), response.content


def test_the_hostile_numbers_are_written_as_raw_json_numbers():
    assert _encoded({"a": f"{RAW}1e308", "b": [f"{RAW}NaN"], "c": TEN_TO_40}) == (
        f'{{"a": 1e308, "b": [NaN], "c": "{TEN_TO_40}"}}'
    )
    assert json.loads(_encoded({"a": f"{RAW}{TEN_TO_40}"}), parse_float=Decimal) == {"a": 10**40}
