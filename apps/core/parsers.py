"""The request body parsers of every API view: REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and the
base of any view's own parser, so a hostile body is a 400 (or a 413) and never a 500.

What DRF's parsers let through, and these do not:
- JSON nested past the json module's recursion limit raises RecursionError, which DRF does not
  catch. Past MAX_DEPTH levels (far more than any API body needs) is a 400 here, so code that
  walks the data recursively afterwards (serializers, canonical JSON) never meets the limit.
- A number past float's range (`1e400`) becomes infinity; here it is a 400. `NaN` and
  `Infinity` literals are refused as DRF's strict JSON does.
- NUL characters (`\\u0000`, `%00`), in keys or values, which PostgreSQL text cannot store.
- A charset that is not a text encoding (`bz2_codec` would decompress a small body into a big one),
  or that does not exist (Django would silently read the body as UTF-8).

Oversize bodies (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) pass through: the
exception handler in apps.core.errors answers them 413 in the family's envelope.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest nesting of arrays and objects a body may have; the deepest the seeds document is 3.
MAX_DEPTH = 32
NUL = "\x00"


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def body_encoding(media_type: str | None, parser_context: Any) -> str:
    """The charset to decode the body with; a 400 for one that is unknown or not a text encoding."""
    declared = parse_header_parameters(media_type or "")[1].get("charset")
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            raise ParseError(f'Unsupported charset "{declared}" in request Content-Type header.') from None
    return parsers.get_encoding(parser_context or {})


def refuse_unstorable(data: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """A ParseError when `data` (parsed JSON or form values) nests deeper than `max_depth` or has
    a NUL character in a key or a string. Walks with a list, not recursion, whatever the depth."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                raise ParseError("Strings may not contain NUL (\\u0000) characters.")
            continue
        if isinstance(value, dict):
            children: Iterable[Any] = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth >= max_depth:
            raise ParseError(f"JSON parse error - nested deeper than {max_depth} levels.")
        pending.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    """JSON, strict: no NaN or Infinity, no number past float's range, no NUL, bounded nesting."""

    # How numbers with a fraction or an exponent are read; ExactNumberJSONParser reads Decimal.
    parse_float: Callable[[str], Any] = staticmethod(_finite_float)

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = body_encoding(media_type, parser_context)
        try:
            data = json.loads(stream.read().decode(encoding), parse_float=self.parse_float, parse_constant=_no_constant)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        except ValueError as exc:  # also UnicodeDecodeError, and ints past Python's 4300 digits
            raise ParseError(f"JSON parse error - {exc}") from None
        refuse_unstorable(data)
        return data


class FormParser(parsers.FormParser):
    """application/x-www-form-urlencoded, without NUL characters. Too many fields raise
    TooManyFieldsSent (a 413)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body_encoding(media_type, parser_context)
        data = super().parse(stream, media_type, parser_context)
        refuse_unstorable(dict(data.lists()))
        return data


class MultiPartParser(parsers.MultiPartParser):
    """multipart/form-data, without NUL characters in its fields or file names. Too many fields or
    files raise TooManyFieldsSent or TooManyFilesSent, fields past the size limit
    RequestDataTooBig (each a 413)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body_encoding(media_type, parser_context)
        parsed = super().parse(stream, media_type, parser_context)
        names = [upload.name or "" for uploads in parsed.files.lists() for upload in uploads[1]]
        refuse_unstorable({"fields": dict(parsed.data.lists()), "files": [*parsed.files.keys(), *names]})
        return parsed
