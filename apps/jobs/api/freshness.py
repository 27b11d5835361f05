"""How fresh the agent-jobs API's data is: every response names the last block the follower
indexed, so a client sees staleness (a node outage, a stuck worker) instead of trusting old data.

The position is read at most once a second per process (`POSITION_TTL`): it is a lag indicator,
a second late is still the truth about the lag, and reading it was one query of every request
(a tenth of a job read's time)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.fields import iso_z
from apps.indexer.selectors import Position, indexer_position
from apps.jobs.consumer import CURSOR_NAME

logger = logging.getLogger(__name__)

INDEXED_BLOCK = "X-Indexed-Block"
INDEXED_AT = "X-Indexed-At"

INDEXED_HEADERS = [
    OpenApiParameter(
        INDEXED_BLOCK,
        int,
        OpenApiParameter.HEADER,
        response=True,
        description=(
            "The last block the chain follower indexed: the data reflects the chain up to this block. "
            "Absent before the first block is indexed."
        ),
    ),
    OpenApiParameter(
        INDEXED_AT,
        OpenApiTypes.DATETIME,
        OpenApiParameter.HEADER,
        response=True,
        description="That block's time (ISO-8601 UTC); compare it with the chain's head to see how stale the data is.",
    ),
]


POSITION_TTL = 1.0  # seconds


class _PositionCache:
    """The follower's position as last read, and when (by `clock`, in seconds)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.entry: tuple[float, Position | None] | None = None

    def get(self) -> Position | None:
        entry, now = self.entry, self.clock()
        if entry is not None and now - entry[0] < POSITION_TTL:
            return entry[1]
        position = indexer_position(CURSOR_NAME)
        self.entry = (now, position)  # one tuple, swapped whole: threads read the old or the new
        return position

    def clear(self) -> None:
        self.entry = None


indexed_position = _PositionCache()


class _Schema(AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        return [*super().get_override_parameters(), *INDEXED_HEADERS]


class IndexedBlockHeaders:
    """Mixin for the agent-jobs API's views (before APIView): adds the two headers to every
    response, errors included, for one query."""

    # (drf-spectacular shows this docstring as the description of the views that have none;
    # the query is one a second per process: `indexed_position`.)

    schema = _Schema()

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        try:
            position = indexed_position.get()
        except DatabaseError:
            # A response about a database outage is worth more than the header it cannot have.
            logger.info("no %s header: the indexer's position could not be read", INDEXED_BLOCK)
            return response
        if position is not None and position.block_number is not None:
            response[INDEXED_BLOCK] = str(position.block_number)
            if position.block_timestamp is not None:
                response[INDEXED_AT] = iso_z(dt.datetime.fromtimestamp(position.block_timestamp, tz=dt.UTC))
        return response
