"""devbe's `walletSummary`: what the index knows of one address."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, QuerySet, Sum

from apps.core.dbfields import Uint256Field
from apps.indexer.models import Block, Token, TokenTransfer, Transaction


def _exact_sum(queryset: QuerySet, field: str) -> int:
    """The exact sum of a Uint256Field. PostgreSQL sums NUMERIC exactly; SQLite keeps the column
    as text and would sum it as doubles, so there the values are added in Python."""
    if connection.vendor == "postgresql":
        total = queryset.aggregate(total=Sum(field, output_field=Uint256Field()))["total"]
        return int(total or 0)
    return sum(value for value in queryset.values_list(field, flat=True).iterator() if value is not None)


def wallet_summary(address: str) -> dict[str, Any]:
    """Transactions sent and received, first and last block seen (as sender, recipient or token
    party), ETH sent and received in wei, and each token's net raw amount (received minus sent).
    A handful of aggregate queries, whatever the history's length."""
    sent = Transaction.objects.filter(from_address=address)
    received = Transaction.objects.filter(to_address=address)
    counts = {
        "sent": sent.aggregate(n=Count("id"), first=Min("block_id"), last=Max("block_id")),
        "received": received.aggregate(n=Count("id"), first=Min("block_id"), last=Max("block_id")),
    }
    token_from = TokenTransfer.objects.filter(from_address=address)
    token_to = TokenTransfer.objects.filter(to_address=address)
    seen = [
        *counts.values(),
        token_from.aggregate(first=Min("block_id"), last=Max("block_id")),
        token_to.aggregate(first=Min("block_id"), last=Max("block_id")),
    ]
    firsts = [s["first"] for s in seen if s["first"] is not None]
    lasts = [s["last"] for s in seen if s["last"] is not None]

    net: dict[str, int] = defaultdict(int)
    erc20 = {"standard": Token.ERC20}
    for sign, transfers in ((1, token_to), (-1, token_from)):
        if connection.vendor == "postgresql":
            sums = (
                transfers.filter(**erc20)
                .order_by()
                .values("token_address")
                .annotate(total=Sum("amount", output_field=Uint256Field()))
                .values_list("token_address", "total")
            )
        else:
            sums = transfers.filter(**erc20).values_list("token_address", "amount").iterator()
        for token_address, amount in sums:
            net[token_address] += sign * int(amount or 0)
    nft_counts: dict[str, int] = defaultdict(int)
    for sign, transfers in ((1, token_to), (-1, token_from)):
        for token_address, n in (
            transfers.filter(standard=Token.ERC721)
            .order_by()
            .values("token_address")
            .annotate(n=Count("id"))
            .values_list("token_address", "n")
        ):
            nft_counts[token_address] += sign * n
    tokens = {
        t["address"]: t
        for t in Token.objects.filter(address__in={*net, *nft_counts}).values(
            "address", "symbol", "decimals", "standard"
        )
    }
    first, last = (min(firsts), max(lasts)) if firsts else (None, None)
    times = dict(Block.objects.filter(number__in=[first, last]).values_list("number", "timestamp")) if firsts else {}
    return {
        "transactions_sent": counts["sent"]["n"],
        "transactions_received": counts["received"]["n"],
        "first_seen_block": first,
        "first_seen_at": times.get(first),
        "last_seen_block": last,
        "last_seen_at": times.get(last),
        "wei_sent": _exact_sum(sent, "value"),
        "wei_received": _exact_sum(received, "value"),
        "token_net": [
            {
                "token_address": token_address,
                "standard": Token.ERC20,
                "net_raw": amount,
                "token": tokens.get(token_address),
            }
            for token_address, amount in sorted(net.items())
        ]
        + [
            {"token_address": token_address, "standard": Token.ERC721, "net_raw": n, "token": tokens.get(token_address)}
            for token_address, n in sorted(nft_counts.items())
        ],
    }
