from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Publish ticker/trade/depth streams of the watched non-paper markets from the ccxt.pro "
        "exchange named by MARKET_FEED_EXCHANGE (the Procfile's `feed` process). Runs until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-seconds", type=float, default=None, help="Stop after this many seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        exchange_id = settings.MARKET_FEED_EXCHANGE
        if not exchange_id:
            self.stdout.write(
                "MARKET_FEED_EXCHANGE is not set: only the paper exchange's feed (the beat task) publishes markets."
            )
            return
        from apps.exchanges.venues.ccxt_venue import UnsupportedExchange
        from apps.exchanges.venues.ccxt_venue.streams import build_exchange, stream_markets

        try:
            build_exchange(exchange_id)
        except UnsupportedExchange as exc:
            raise CommandError(f"MARKET_FEED_EXCHANGE: {exc}") from None
        self.stdout.write(f"Streaming watched markets from {exchange_id} (paper markets excluded).")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(stream_markets(exchange_id, max_seconds=options["max_seconds"]))
