"""The built-in paper exchange: the demo's default venue.

- `engine`: prices, funding, placing, cancelling and matching orders (every write);
- `book`: an account's positions and resting orders in one quote asset, and the margin they hold;
- `ledger`: the arithmetic of fills, margin and P&L, free of the database;
- `markets`: the markets of `settings.PAPER_MARKETS` and validation of orders on them;
- `feed`: the market feed that moves prices and publishes ticker, trade and depth events.

`apps.exchanges.venues.paper.PaperVenue` speaks the `Venue` protocol over it.
"""
