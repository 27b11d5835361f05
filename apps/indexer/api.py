"""Seed 004's chain reads under /api/v1 (health, transactions, blocks, tokens).

Thin views: parse the path and query (a 400 with a clear message for anything malformed), call
a selector, present its dicts (apps/indexer/presenters.py). Every error goes through the
project's exception handler, which writes seed 004's `{"error": "...", "code": "400"}` for these
paths (apps/core/errors.py). They take a personal API token (`Authorization: Bearer hc_live_...`),
as the document says; anything else is a 401 that says so.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import HasApiToken
from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses
from apps.core.pagination import PageSizePagination, page_parameters
from apps.core.query import reject_unknown_parameters
from apps.indexer import selectors
from apps.indexer.ingest.status import chain_position
from apps.indexer.presenters import (
    present_block,
    present_health,
    present_token,
    present_transaction_detail,
    present_transaction_summary,
)
from apps.indexer.serializers import (
    ADDRESS_PATTERN,
    BLOCK_NUMBER_PATTERN,
    SORTS,
    TX_HASH_PATTERN,
    BlockSerializer,
    HealthSerializer,
    TokenSerializer,
    TransactionDetailSerializer,
    TransactionPageSerializer,
    parse_address,
    parse_block_number,
    parse_iso_datetime,
    parse_tx_hash,
)

TAGS = ["chain (seed 004)"]
PAGE = {"page", "page_size"}
DATE_PARAMETERS = [
    OpenApiParameter(
        name,
        {"type": "string", "format": "date-time"},
        description=f"ISO 8601 with a UTC offset (`Z` or `+hh:mm`); {edge}, inclusive.",
    )
    for name, edge in (("from_date", "earliest block time"), ("to_date", "latest block time"))
]
LIST_PARAMETERS = [
    *DATE_PARAMETERS,
    OpenApiParameter("sort", str, enum=list(SORTS), description="`-timestamp` (default, newest first) or `timestamp`."),
    *page_parameters(size_name="page_size", default_size=20, max_size=100),
]
LIST_DESCRIPTION = (
    "Newest first by default. A page past the last one answers 200 with empty `data` and the same "
    "totals. `page_size` is 1 to 100 (above: 400). `from_date` after `to_date`, an unknown "
    "parameter, a malformed date or address is a 400. Amounts are exact (`value_native`, "
    "`amount_display`); `*_usd` are rounded to the cent, null without an on-chain price at that block."
)


def _list_filters(request: Request, *, allowed: set[str]) -> dict:
    query = request.query_params
    reject_unknown_parameters(query, allowed)
    from_date = parse_iso_datetime(query["from_date"], name="from_date") if "from_date" in query else None
    to_date = parse_iso_datetime(query["to_date"], name="to_date") if "to_date" in query else None
    if from_date is not None and to_date is not None and from_date > to_date:
        raise ApiError(status=400, message="from_date must not be after to_date.")
    sort = query.get("sort", "-timestamp")
    if sort not in SORTS:
        raise ApiError(status=400, message="sort must be timestamp or -timestamp.")
    return {"from_date": from_date, "to_date": to_date, "newest_first": sort == "-timestamp"}


def _paged(request: Request, view: APIView, rows: selectors.TransactionRows) -> Response:
    paginator = PageSizePagination()
    page = paginator.paginate_queryset(rows, request, view)
    return paginator.get_paginated_response([present_transaction_summary(row) for row in page])


class HealthView(APIView):
    permission_classes = [HasApiToken]

    @extend_schema(
        tags=TAGS,
        operation_id="chain_health",
        summary="Indexer health",
        description=(
            "The last indexed block and its time, the node's chain tip and the lag between their "
            "times in seconds. When the node does not answer, still 200: `status` is `degraded` "
            "and `chain_tip_block` and `ingestion_lag_seconds` are null."
        ),
        responses={200: HealthSerializer, **error_responses(Family.APP, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        return Response(present_health(chain_position()))


class TransactionListView(APIView):
    permission_classes = [HasApiToken]
    ALLOWED = {"address", "from_date", "to_date", "sort", *PAGE}

    @extend_schema(
        tags=TAGS,
        operation_id="chain_transactions_list",
        summary="List transactions",
        description=LIST_DESCRIPTION
        + " `address` (any case) keeps the transactions it sent or received, or in which it sent "
        "or received a token transfer.",
        parameters=[OpenApiParameter("address", str, pattern=ADDRESS_PATTERN), *LIST_PARAMETERS],
        responses={200: TransactionPageSerializer, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        filters = _list_filters(request, allowed=self.ALLOWED)
        raw_address = request.query_params.get("address")
        address = parse_address(raw_address) if raw_address is not None else None
        rows = selectors.transactions(selectors.TransactionFilters(address=address, **filters))
        return _paged(request, self, rows)


class AddressTransactionsView(APIView):
    permission_classes = [HasApiToken]
    ALLOWED = {"from_date", "to_date", "sort", *PAGE}

    @extend_schema(
        tags=TAGS,
        operation_id="chain_address_transactions",
        summary="An address's transactions",
        description=LIST_DESCRIPTION
        + " The transactions the address sent or received, or in which it sent or received a token.",
        parameters=[OpenApiParameter("address", str, OpenApiParameter.PATH, pattern=ADDRESS_PATTERN), *LIST_PARAMETERS],
        responses={200: TransactionPageSerializer, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self, request: Request, address: str) -> Response:
        checksummed = parse_address(address)
        filters = _list_filters(request, allowed=self.ALLOWED)
        return _paged(request, self, selectors.address_transactions(checksummed, **filters))


class TransactionDetailView(APIView):
    permission_classes = [HasApiToken]

    @extend_schema(
        tags=TAGS,
        operation_id="chain_transaction_detail",
        summary="A transaction with its token transfers",
        description="`hash` is 0x and 64 hex digits, any case (400 otherwise); unknown is a 404.",
        parameters=[OpenApiParameter("hash", str, OpenApiParameter.PATH, pattern=TX_HASH_PATTERN)],
        responses={200: TransactionDetailSerializer, **error_responses(Family.APP, 400, 401, 403, 404)},
    )
    def get(self, request: Request, hash: str) -> Response:
        reject_unknown_parameters(request.query_params, set())
        row = selectors.transaction_by_hash(parse_tx_hash(hash))
        if row is None:
            raise ApiError(status=404, message=f"No indexed transaction has hash {hash.lower()}.")
        return Response(present_transaction_detail(row))


class BlockView(APIView):
    permission_classes = [HasApiToken]

    @extend_schema(
        tags=TAGS,
        operation_id="chain_block",
        summary="A block and its transactions' hashes",
        description="`block_number` is a non-negative integer (400 otherwise); a block not indexed is a 404.",
        parameters=[OpenApiParameter("block_number", str, OpenApiParameter.PATH, pattern=BLOCK_NUMBER_PATTERN)],
        responses={200: BlockSerializer, **error_responses(Family.APP, 400, 401, 403, 404)},
    )
    def get(self, request: Request, block_number: str) -> Response:
        reject_unknown_parameters(request.query_params, set())
        number = parse_block_number(block_number)
        block = selectors.block_with_transactions(number)
        if block is None:
            raise ApiError(status=404, message=f"Block {number} is not indexed.")
        return Response(present_block(block))


class TokenView(APIView):
    permission_classes = [HasApiToken]

    @extend_schema(
        tags=TAGS,
        operation_id="chain_token",
        summary="A token's metadata",
        description=(
            "`contract_address` any case (400 if malformed); a contract never seen in a transfer is "
            "a 404. Fields the token did not answer (a reverting `symbol()`) are null."
        ),
        parameters=[OpenApiParameter("contract_address", str, OpenApiParameter.PATH, pattern=ADDRESS_PATTERN)],
        responses={200: TokenSerializer, **error_responses(Family.APP, 400, 401, 403, 404)},
    )
    def get(self, request: Request, contract_address: str) -> Response:
        reject_unknown_parameters(request.query_params, set())
        address = parse_address(contract_address, name="contract_address")
        token = selectors.token_by_address(address)
        if token is None:
            raise ApiError(status=404, message=f"No indexed token at {address}.")
        return Response(present_token(token))
