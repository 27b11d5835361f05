"""The chain explorer's pages: search, a transaction, a block, an address (or token), and the
indexer's status panel. Public, like the jobs explorer.

Thin: the rows come from the same selectors as /api/v1 and are shaped by the same presenters,
so a page shows exactly the amounts the API returns (exact token amounts, USD to the cent,
`—` where no on-chain price exists)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from eth_utils import to_checksum_address

from apps.indexer.ingest.status import indexer_status
from apps.indexer.presenters import (
    present_token,
    present_transaction_detail,
    present_transaction_summary,
    present_transfer_detail,
)
from apps.indexer.selectors import (
    TransactionFilters,
    address_token_transfers,
    address_transactions,
    block_with_transactions,
    latest_blocks,
    search,
    token_by_address,
    transaction_by_hash,
    transactions,
)
from apps.indexer.selectors.chain import ADDRESS, TX_HASH

PAGE_SIZE = 25
LATEST = 10


def _page(request: HttpRequest, rows, name: str = "page"):
    # get_page turns a missing or malformed number into page 1 and one past the end into the last.
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(name))


def _summaries(rows: list[dict]) -> list[dict]:
    return [{**present_transaction_summary(row), "at": row["block_timestamp"]} for row in rows]


def _address_transfer(row: dict) -> dict:
    """A transfer on an address's page: its amount as the API shows it, with the transaction it
    belongs to (USD values are on the transaction's page, where the price's block is named)."""
    body = present_transfer_detail({**row, "usd_price": None})
    del body["amount_usd"]
    return {**body, "tx_hash": row["transaction__hash"], "block_number": row["block_id"], "at": row["block_timestamp"]}


def _not_found(request: HttpRequest, what: str, status: int = 404) -> HttpResponse:
    return render(request, "chain/not_found.html", {"what": what}, status=status)


@require_GET
def explorer_home(request: HttpRequest) -> HttpResponse:
    latest = transactions(TransactionFilters())[:LATEST]
    context = {
        "status": indexer_status(),
        "blocks": latest_blocks(LATEST),
        "transactions": _summaries(latest),
    }
    return render(request, "chain/home.html", context)


@require_GET
def explorer_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = search(query)
    if found.kind == "transaction":
        return redirect("chain:transaction", tx_hash=found.value)
    if found.kind == "block":
        return redirect("chain:block", number=found.value)
    if found.kind in ("address", "token"):
        return redirect("chain:address", address=found.value)
    if not query:
        return redirect("chain:home")
    return render(request, "chain/not_found.html", {"what": query, "searched": True}, status=404)


@require_GET
def transaction_page(request: HttpRequest, tx_hash: str) -> HttpResponse:
    row = transaction_by_hash(tx_hash) if TX_HASH.fullmatch(tx_hash) else None
    if row is None:
        return _not_found(request, f"transaction {tx_hash}")
    context = {
        "tx": present_transaction_detail(row),
        "at": row["block_timestamp"],
        "contract_address": row["contract_address"] or None,
    }
    return render(request, "chain/transaction.html", context)


@require_GET
def block_page(request: HttpRequest, number: int) -> HttpResponse:
    block = block_with_transactions(number)
    if block is None:
        return _not_found(request, f"block {number}")
    page = _page(request, transactions(TransactionFilters(block_number=number, newest_first=False)))
    context = {"chain_block": block, "page": page, "transactions": _summaries(page.object_list)}
    return render(request, "chain/block.html", context)


@require_GET
def address_page(request: HttpRequest, address: str) -> HttpResponse:
    if not ADDRESS.fullmatch(address):
        return _not_found(request, f"address {address}", status=400)
    checksummed = to_checksum_address(address)
    if checksummed != address:
        return redirect("chain:address", address=checksummed)
    page = _page(request, address_transactions(checksummed))
    transfers = _page(request, address_token_transfers(checksummed), name="transfers_page")
    token = token_by_address(checksummed)
    context = {
        "address": checksummed,
        "token": present_token(token) if token else None,
        "page": page,
        "transactions": _summaries(page.object_list),
        "transfers_page": transfers,
        "transfers": [_address_transfer(row) for row in transfers.object_list],
    }
    return render(request, "chain/address.html", context)


@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    return render(request, "chain/status.html", {"status": indexer_status()})
